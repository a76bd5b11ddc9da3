"""Policy profiles: bundled ones load, extends merges, bad files say file, key and expectation."""

from __future__ import annotations

import textwrap

import pytest

from certifier.errors import ProfileError
from certifier.policy.profiles import bundled_profiles
from certifier.policy.registry import load_profile


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_bundled_profiles_load_and_branch_office_extends_default():
    assert {"default", "branch-office"} <= set(bundled_profiles())
    default = load_profile("default")
    branch = load_profile("branch-office")
    assert branch.section("package")["max_package_mb"] < default.section("package")["max_package_mb"]
    # inherited unchanged
    assert branch.section("archive") == default.section("archive")
    assert branch.sha256 != default.sha256 and len(branch.sha256) == 64


def test_extends_by_relative_path_overrides_one_key(tmp_path):
    write(tmp_path, "base.toml", 'extends = "default"\n[package]\nmax_file_count = 7\n')
    child = write(tmp_path, "child.toml", 'name = "child"\nextends = "base.toml"\n[package]\nmax_package_mb = 12.5\n')
    profile = load_profile(str(child))
    assert profile.name == "child"
    assert profile.section("package") == {"max_package_mb": 12.5, "max_file_count": 7}


@pytest.mark.parametrize(
    "body, expected",
    [
        ("[package]\nmax_pakage_mb = 10\n", "unknown key 'package.max_pakage_mb'"),
        ("[packages]\nmax_package_mb = 10\n", "unknown section '[packages]'"),
        ('[package]\nmax_package_mb = "ten"\n', "'package.max_package_mb' must be a number"),
        ("[package]\nmax_package_mb = -5\n", "must not be negative"),
        ("[package]\nmax_file_count = 10.5\n", "must be a whole number"),
        ('[certification]\nrequired_probes = "package"\n', "must be a list of text strings"),
        ("[package\nmax_package_mb = 1\n", "not valid TOML"),
    ],
)
def test_bad_profile_names_file_key_and_expectation(tmp_path, body, expected):
    path = write(tmp_path, "bad.toml", 'extends = "default"\n' + body)
    with pytest.raises(ProfileError) as caught:
        load_profile(str(path))
    assert expected in str(caught.value)
    assert str(path) in str(caught.value)


def test_profile_missing_limits_says_which(tmp_path):
    path = write(tmp_path, "partial.toml", "[package]\nmax_package_mb = 10\nmax_file_count = 5\n")
    with pytest.raises(ProfileError, match=r"\[archive\] lacks max_uncompressed_mb"):
        load_profile(str(path))


def test_extends_loop_is_an_error(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    path = write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ProfileError, match="loop"):
        load_profile(str(path))


def test_unknown_profile_name_lists_bundled():
    with pytest.raises(ProfileError, match="branch-office"):
        load_profile("no-such-profile")


def test_name_is_not_inherited(tmp_path):
    path = write(tmp_path, "site-42.toml", 'extends = "default"\n')
    assert load_profile(str(path)).name == "site-42"


def test_quantity_formatting():
    from certifier.policy.findings import quantity

    assert quantity(0.1, "MB") == "0.1 MB"
    assert quantity(0.27) == "0.27"
    assert quantity(1234.6, "kbps") == "1,235 kbps"
    assert quantity(250, "MB") == "250 MB"
    assert quantity(12.34) == "12.3"


def test_one_limit_has_one_source_and_the_old_key_says_where_it_went(tmp_path):
    branch = load_profile("branch-office")
    assert "max_load_time_s" not in branch.section("capacity")
    assert branch.section("pageload")["max_load_time_s"] == 3  # the page-load budget stays the page-load probe's
    old = write(tmp_path, "old.toml", 'extends = "default"\n[capacity]\nmax_load_time_s = 5\n')
    with pytest.raises(
        ProfileError, match=r"'capacity.max_load_time_s' is no longer read: .*\[capacity\] demand_window_s"
    ):
        load_profile(str(old))


def test_the_schema_given_is_the_schema_used(tmp_path):
    from certifier.policy.profiles import CORE_SCHEMA, LimitSpec, ProfileSchema, read_profile

    schema = ProfileSchema({**CORE_SCHEMA, "acme": {"widgets": LimitSpec("integer", "Widgets.")}}, frozenset())
    own = write(
        tmp_path,
        "own.toml",
        textwrap.dedent("""
        [archive]
        max_uncompressed_mb = 1
        max_compression_ratio = 2
        min_size_for_ratio_check_mb = 1
        max_entry_count = 10
        [certification]
        required_probes = []
        probe_timeout_s = 1
        [signoff]
        review_sla_days = 1
        [network]
        target_network = "lan"
        presets = { lan = { down_kbps = 1, up_kbps = 1, rtt_ms = 1 } }
        [acme]
        widgets = 3
        """),
    )
    assert read_profile(str(own), schema).section("acme") == {"widgets": 3}
    with pytest.raises(ProfileError, match=r"unknown section '\[acme\]'"):
        load_profile(str(own))  # the installed probes know no [acme]
    with pytest.raises(ProfileError, match=r"'acme.widgets' must be a whole number"):
        read_profile(str(write(tmp_path, "bad.toml", own.read_text().replace("widgets = 3", "widgets = 'x'"))), schema)
