"""Shared evidence: declared kinds, checked types, reads limited to what a probe declares."""

from __future__ import annotations

from typing import TypedDict

from certifier.policy.evidence_kinds import LAUNCH_MAP, REQUIREMENTS_BILL
from certifier.policy.findings import Finding, Severity, Status
from certifier.policy.probe_api import Need, Probe
from certifier.policy.registry import (
    declaration_problem,
    desktop_check_probes,
    discover_probes,
    publishing,
    sharing_problems,
    unmet_uses,
)
from certifier.policy.shared import SharedEvidence
from certifier.run.report import assess
from certifier.run.runner import Runner, order_probes, shared_in

from .factories import build_zip
from .test_runner import profile_with


class Lesson(TypedDict):
    name: str
    minutes: float | None


LESSONS = SharedEvidence("lessons", ("outputs", "lessons"), list[Lesson], "Lessons with their length.")


def publisher(value):
    class Publisher(Probe):
        id = "publisher"
        title = "Publishes lessons"
        needs = frozenset()
        publishes = (LESSONS,)

        def gather(self, ctx):
            return {"outputs": {"lessons": value}}

        def evaluate(self, evidence, limits):
            return []

    return Publisher


class Reader(Probe):
    id = "reader"
    title = "Reads lessons"
    needs = frozenset()
    uses = (LESSONS,)

    def gather(self, ctx):
        return {"lessons": ctx.shared(LESSONS)}

    def evaluate(self, evidence, limits):
        count = len(evidence["lessons"] or [])
        return [Finding("reader.count", "Lessons read", Severity.INFO, Status.PASS, measured=count)]


class Snooper(Probe):
    id = "snooper"
    title = "Reads what it did not declare"
    needs = frozenset()

    def gather(self, ctx):
        return {"map": ctx.shared(LAUNCH_MAP)}

    def evaluate(self, evidence, limits):
        return []


def test_the_type_checker_names_where_a_value_departs():
    assert LESSONS.problems([{"name": "a", "minutes": 3}, {"name": "b", "minutes": None, "extra": 1}]) == []
    assert LESSONS.problems([{"name": "a", "minutes": "3"}]) == [
        "lessons[0].minutes: expected float | None, found str ('3')"
    ]
    assert LESSONS.problems([{"minutes": 1}]) == ["lessons[0]: lacks 'name'"]
    assert LESSONS.problems({"name": "a"})[0].startswith("lessons: expected a list")
    assert LESSONS.problems([{"name": True, "minutes": 1}]) == ["lessons[0].name: expected str, found bool (True)"]


def test_a_reader_gets_what_the_publisher_published_and_runs_after_it(default_profile):
    probes = {"reader": Reader, "publisher": publisher([{"name": "intro", "minutes": 4.5}])}
    assert [p.id for p in order_probes([Reader, probes["publisher"]])] == ["publisher", "reader"]
    record = Runner(probes).run(None, profile_with(default_profile, required=()), ["reader", "publisher"])
    assert [r.status for r in record.probe_runs] == ["completed", "completed"]
    assert record.probe_runs[1].evidence == {"lessons": [{"name": "intro", "minutes": 4.5}]}
    assert shared_in(record, LESSONS, probes) == [{"name": "intro", "minutes": 4.5}]


def test_a_publication_of_the_wrong_type_is_an_error_and_is_not_passed_on(default_profile):
    probes = {"reader": Reader, "publisher": publisher([{"name": 7}])}
    profile = profile_with(default_profile, required=())
    record = Runner(probes).run(None, profile, ["publisher", "reader"])
    bad = record.probe_runs[0]
    assert bad.status == "error"
    assert "lessons[0].name: expected str, found int (7)" in bad.reason
    assert record.probe_runs[1].evidence == {"lessons": None}  # the reader never saw it
    report = assess(record, profile, probes)
    assert any(f["rule_id"] == "publisher.probe-error" for f in report["findings"])


def test_reading_an_undeclared_kind_is_refused(default_profile):
    record = Runner({"snooper": Snooper}).run(None, profile_with(default_profile, required=()), ["snooper"])
    assert record.probe_runs[0].status == "error"
    assert "reads 'launch-map' without declaring it in its 'uses'" in record.probe_runs[0].reason


def test_declarations_are_checked_when_probes_load():
    class ByName(Reader):
        uses = ("conformance",)

    assert "must be a tuple of SharedEvidence kinds" in declaration_problem(ByName)
    assert declaration_problem(Reader) == ""

    class Second(Probe):
        id = "second"
        publishes = (LESSONS,)

    assert sharing_problems({"publisher": publisher([]), "second": Second}) == {
        "second": "publishes 'lessons', which the probe 'publisher' already publishes"
    }

    other = SharedEvidence("other", ("other",), int, "x")

    class A(Probe):
        id = "a"
        uses, publishes = (other,), (LESSONS,)

    class B(Probe):
        id = "b"
        uses, publishes = (LESSONS,), (other,)

    assert set(sharing_problems({"a": A, "b": B})) == {"a", "b"}
    assert unmet_uses({"reader": Reader}) == {"reader": ["lessons"]}


def test_the_built_in_probes_declare_a_consistent_graph():
    probes, broken = discover_probes()
    assert broken == [] and unmet_uses(probes) == {}
    assert publishing([LAUNCH_MAP], probes) == ["conformance"]
    # The desktop check: the machine probe and, with a course, whoever publishes the bill it reads.
    assert desktop_check_probes(probes, with_course=False) == ["machine"]
    with_course = desktop_check_probes(probes, with_course=True)
    assert set(with_course) == {"machine", "plugins", "conformance", "media"}
    assert any(REQUIREMENTS_BILL in probes[p].publishes for p in with_course)
    assert all(Need.MACHINE not in cls.needs or not cls.default_enabled for cls in probes.values())


def test_built_in_publications_conform_on_a_real_run(tmp_path, default_profile):
    course = build_zip(
        tmp_path / "c.zip",
        {
            "imsmanifest.xml": """<?xml version="1.0"?><manifest identifier="m" version="1"
          xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
          <organizations default="o"><organization identifier="o"><title>T</title>
          <item identifier="i" identifierref="r"><title>L</title></item></organization></organizations>
          <resources><resource identifier="r" type="webcontent" adlcp:scormType="sco" href="index.html">
          <file href="index.html"/></resource></resources></manifest>""",
            "index.html": "<html><script src='a.js'></script><img src='b.png'></html>",
            "a.js": "1",
            "b.png": "x",
        },
    )
    probes = discover_probes()[0]
    record = Runner(probes).run(course, default_profile, ["conformance", "media", "plugins"])
    assert [r.status for r in record.probe_runs] == ["completed"] * 3, [r.reason for r in record.probe_runs]
    units = shared_in(record, LAUNCH_MAP, probes)
    assert units[0]["launch"] == "index.html" and set(units[0]["files"]) == {"index.html", "a.js", "b.png"}
