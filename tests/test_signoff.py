"""Signed decisions: several reviewers, verification that says what changed, and the key file."""

from __future__ import annotations

import json
import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certifier.errors import CertifierError
from certifier.records.signoff import key_path, load_or_create_key, sign_off, verify
from tests.conftest import run_cli
from tests.probe_helpers import check


@pytest.fixture(scope="module")
def report(sample_course, default_profile):
    from tests.test_runner import profile_with

    certified = check(sample_course, ("package", "conformance"), profile_with(default_profile, required=("package",)))
    assert certified["verdict"] == "CERTIFIED"
    return certified


def test_sign_and_verify_with_two_reviewers(report):
    network = sign_off(report, "Dana", "approve", role="network", comment="fits the WAN")
    both = sign_off(
        network,
        "Sam",
        "conditional",
        role="desktop",
        conditions="after the browser update",
        key=Ed25519PrivateKey.generate(),
    )
    result = verify(both)
    # Dana signed with this machine's key (trusted); Sam's key is a stranger's until someone trusts it.
    assert result.valid and not result.established
    assert result.lines[0].startswith("Valid: approve by Dana")
    assert result.lines[1].startswith("Intact, signer not established: conditional signed as 'Sam'")
    sam = both["signatures"][1]["fingerprint"]
    assert verify(both, {both["signatures"][0]["fingerprint"], sam}).established
    assert both["decisions"][0]["due_by"] > both["decisions"][0]["requested_on"]
    # The second reviewer's comment edited: only that signature fails; the first still verifies.
    tampered = json.loads(json.dumps(both))
    tampered["decisions"][1]["conditions"] = "none"
    result = verify(tampered)
    assert not result.valid
    assert result.lines[0].startswith("Valid: approve by Dana")
    assert "Sam's signature (decision 2) does not match; changed since signing: decisions" in result.lines[1]


def test_one_byte_changed_is_caught_and_named(report, tmp_path):
    signed = sign_off(report, "Dana", "approve")
    path = tmp_path / "report.json"
    path.write_text(json.dumps(signed, indent=2))
    raw = path.read_text()
    index = raw.index('"size":') + len('"size": ')
    path.write_text(raw[:index] + str((int(raw[index]) + 1) % 10) + raw[index + 1 :])  # one digit of the package size
    result = run_cli("verify", str(path))
    assert result.returncode == 5 and "NOT VALID" in result.stdout
    assert "changed since signing: package" in result.stdout


def test_missing_signature_and_unsigned_decision(report):
    assert verify(report).lines == ["Missing signature: nobody has signed this report."]
    signed = sign_off(report, "Dana", "reject", comment="too heavy")
    signed["decisions"].append({**signed["decisions"][0], "reviewer": "Mallory", "decision": "approve"})
    result = verify(signed)
    assert not result.valid and any("Decision 2 (approve by Mallory) is not signed" in line for line in result.lines)


def test_wrong_key_is_reported_when_keys_are_pinned(report):
    trusted = Ed25519PrivateKey.generate()
    from certifier.records.signoff import fingerprint

    signed = sign_off(report, "Eve", "approve", key=Ed25519PrivateKey.generate())
    result = verify(signed, {fingerprint(trusted.public_key())})
    assert not result.valid and result.lines[0].startswith("Wrong key: Eve signed with key")
    swapped = json.loads(json.dumps(signed))
    import base64

    from cryptography.hazmat.primitives import serialization

    swapped["signatures"][0]["public_key"] = base64.b64encode(
        trusted.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    ).decode()
    assert "names key" in verify(swapped).lines[0]


def test_a_strangers_key_under_a_real_reviewers_name_is_not_called_valid(report, tmp_path, private_user_dirs):
    from certifier.records.signoff import fingerprint
    from certifier.records.trusted_keys import trusted_keys_path

    alice = Ed25519PrivateKey.generate()
    genuine = sign_off(report, "Alice Example", "approve", key=alice)
    forged = sign_off(report, "Alice Example", "approve", key=Ed25519PrivateKey.generate())
    alice_print = fingerprint(alice.public_key())
    paths = {}
    for name, signed in (("genuine", genuine), ("forged", forged)):
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(json.dumps(signed))
    # Nobody trusted yet: both are intact, neither establishes that Alice signed.
    for path in paths.values():
        result = run_cli("verify", str(path))
        assert result.returncode == 6, result.stdout
        lines = result.stdout.strip().splitlines()
        assert lines[-1] == "INTACT, SIGNER NOT ESTABLISHED" and "VALID" not in lines[:-1]
        assert "does not show that Alice Example signed" in result.stdout
    # Alice's fingerprint, confirmed with her: passed on the command line or kept in the trusted-keys file.
    assert run_cli("verify", str(paths["genuine"]), "--trust", alice_print).returncode == 0
    forged_run = run_cli("verify", str(paths["forged"]), "--trust", alice_print)
    assert forged_run.returncode == 5 and "Wrong key" in forged_run.stdout
    trusted_keys_path().parent.mkdir(parents=True, exist_ok=True)
    trusted_keys_path().write_text(f"# reviewers of the network team\n{alice_print}  Alice Example\n")
    trusted = run_cli("verify", str(paths["genuine"]))
    assert (
        trusted.returncode == 0
        and trusted.stdout.strip().endswith("VALID")
        and "Valid: approve by Alice Example" in trusted.stdout
    )
    assert run_cli("verify", str(paths["forged"])).returncode == 6
    # A line that is not a fingerprint is named, not guessed.
    trusted_keys_path().write_text("alice\n")
    broken = run_cli("verify", str(paths["genuine"]))
    assert broken.returncode == 2 and "line 1: 'alice' is not a key fingerprint" in broken.stderr


def test_key_is_created_once_owner_only(private_user_dirs):
    key = load_or_create_key()
    path = key_path()
    assert path.exists() and path.is_relative_to(private_user_dirs)
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_key()
    assert again.public_key().public_bytes_raw() == key.public_key().public_bytes_raw()


def test_bad_sign_off_input(report):
    with pytest.raises(CertifierError, match="conditions"):
        sign_off(report, "Dana", "conditional")
    with pytest.raises(CertifierError, match="approve, reject, conditional"):
        sign_off(report, "Dana", "maybe")


def test_cli_signoff_updates_report_and_html(report, tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(report))
    html = tmp_path / "r.html"
    result = run_cli("signoff", str(path), "--reviewer", "Dana <Network>", "--decision", "approve", "--html", str(html))
    assert result.returncode == 0, result.stderr
    fingerprint_ = json.loads(path.read_text())["signatures"][0]["fingerprint"]
    page = html.read_text()
    assert fingerprint_ in page and "Dana &lt;Network&gt;" in page and "APPROVE" in page
    assert run_cli("verify", str(path)).returncode == 0


def test_a_report_edited_or_with_failing_signatures_cannot_be_signed(report):
    edited = json.loads(json.dumps(report))
    edited["findings"][0].update(status="fail", severity="blocker")  # verdict left at CERTIFIED
    with pytest.raises(CertifierError, match="says CERTIFIED but its findings give NOT CERTIFIED"):
        sign_off(edited, "Dana", "reject", comment="x")
    signed = sign_off(report, "Dana", "approve")
    signed["decisions"][0]["comment"] = "edited after signing"
    with pytest.raises(CertifierError, match="signatures do not verify"):
        sign_off(signed, "Dana", "reject")


def test_approving_a_report_that_is_not_certified_must_be_said_and_explained(sample_course):
    conditional = check(sample_course, ("package",))  # a required probe did not run
    assert conditional["verdict"] == "CONDITIONAL"
    with pytest.raises(CertifierError, match="approving it needs an explicit choice"):
        sign_off(conditional, "Dana", "approve")
    with pytest.raises(CertifierError, match="needs a comment saying why"):
        sign_off(conditional, "Dana", "approve", approve_despite_verdict=True)
    signed = sign_off(conditional, "Dana", "approve", approve_despite_verdict=True, comment="pilot group only")
    assert verify(signed).valid
    assert sign_off(conditional, "Dana", "reject")["decisions"][-1]["decision"] == "reject"  # no question asked


def test_the_machine_key_is_bound_to_the_name_it_first_signed_with(report):
    from certifier.records.signoff import bound_reviewer, public_fingerprint

    assert bound_reviewer() is None
    sign_off(report, "Dana", "approve")
    assert bound_reviewer() == "Dana"
    with pytest.raises(CertifierError, match=r"is bound to 'Dana'.*--rename-reviewer"):
        sign_off(report, "Mallory", "approve")
    sign_off(report, "Dana Smith", "approve", rename_reviewer=True)
    assert bound_reviewer() == "Dana Smith"
    shown = run_cli("key")
    assert shown.returncode == 0 and "signs as Dana Smith" in shown.stdout and public_fingerprint() in shown.stdout
