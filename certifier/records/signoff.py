"""Signed sign-off decisions on a report, and their verification.

A reviewer's decision is appended to the report, then the canonical JSON of the report (without
signatures) up to and including that decision is signed with the reviewer's Ed25519 key. Each
reviewer signs independently; a later decision never invalidates an earlier signature. With each
signature a digest per top-level section is kept, so verification can say *which* part changed.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certifier.errors import CertifierError
from certifier.host.files import write_atomic
from certifier.host.userdirs import config_dir
from certifier.records.trusted_keys import read_trusted_keys, trusted_keys_path
from certifier.run.report import findings_of
from certifier.run.verdict import CERTIFIED, verdict

DECISIONS = ("approve", "reject", "conditional")
ALGORITHM = "Ed25519"
KEY_FILE = "signing-key-ed25519.pem"
REVIEWER_FILE = "reviewer.json"  # the name the key signs under, beside the key
SIGNED_EXCLUDES = ("signatures",)


def canonical(data: Any) -> bytes:
    """Deterministic JSON: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def fingerprint(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return ":".join(digest[i : i + 4] for i in range(0, 32, 4))


def key_path(folder: Path | None = None) -> Path:
    return (folder or config_dir() / "keys") / KEY_FILE


def load_or_create_key(path: Path | None = None) -> Ed25519PrivateKey:
    """The reviewer's signing key, created on first use with owner-only permissions."""
    path = path or key_path()
    if path.exists():
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError) as exc:
            raise CertifierError(f"The signing key {path} cannot be read: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise CertifierError(f"The signing key {path} is not an Ed25519 key.")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    # Created with mode 0600 from the start: never a moment where others could read it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key


CHAINED = 2  # signature scheme: each signature also covers the signatures made before it


def signed_content(report: dict[str, Any], decision_index: int, scheme: int = CHAINED) -> dict[str, Any]:
    """What a decision's signature covers: the report, the decisions up to it, and (chained scheme)
    every earlier signature, so removing or editing an earlier decision breaks the later ones."""
    content = {k: v for k, v in report.items() if k not in SIGNED_EXCLUDES}
    content["decisions"] = report.get("decisions", [])[: decision_index + 1]
    if scheme >= CHAINED:
        content["prior_signatures"] = [
            s.get("signature")
            for s in report.get("signatures", [])
            if isinstance(s, dict) and isinstance(s.get("decision_index"), int) and s["decision_index"] < decision_index
        ]
    return content


def section_digests(content: dict[str, Any]) -> dict[str, str]:
    return {key: hashlib.sha256(canonical(value)).hexdigest() for key, value in sorted(content.items())}


def sign_off(
    report: dict[str, Any],
    reviewer: str,
    decision: str,
    *,
    comment: str = "",
    conditions: str = "",
    role: str = "",
    requested_on: str | None = None,
    due_by: str | None = None,
    key: Ed25519PrivateKey | None = None,
    now: dt.datetime | None = None,
    approve_despite_verdict: bool = False,
    rename_reviewer: bool = False,
) -> dict[str, Any]:
    """A copy of ``report`` with the decision appended and signed.

    Refused: a report whose signatures no longer verify or whose verdict does not follow from its
    findings (it was edited); approving a report that is not CERTIFIED without saying so
    (``approve_despite_verdict``) and why (``comment``); signing with this machine's key under
    another name than the one bound to it, unless ``rename_reviewer``."""
    reviewer = reviewer.strip()
    if decision not in DECISIONS:
        raise CertifierError(f"Decision must be one of {', '.join(DECISIONS)}, not '{decision}'.")
    if not reviewer:
        raise CertifierError("A sign-off needs the reviewer's name.")
    if decision == "conditional" and not conditions.strip():
        raise CertifierError("A conditional approval must state its conditions (--conditions).")
    if report.get("signatures"):
        check = verify(report)
        if not check.valid:
            raise CertifierError(
                "This report's signatures do not verify, so no decision can be added to it: " + " ".join(check.lines)
            )
    recomputed = verdict_of(report)
    if recomputed != report.get("verdict"):
        raise CertifierError(
            f"This report says {report.get('verdict')} but its findings give {recomputed}: it was "
            "edited, so it cannot be signed."
        )
    if decision == "approve" and report["verdict"] != CERTIFIED:
        if not approve_despite_verdict:
            raise CertifierError(
                f"The report is {report['verdict']}: approving it needs an explicit choice "
                "(--approve-despite-verdict) and a comment saying why."
            )
        if not comment.strip():
            raise CertifierError(f"Approving a {report['verdict']} report needs a comment saying why (--comment).")
    bound = None
    if key is None:
        key = load_or_create_key()
        bound = bound_reviewer()
        if bound and bound != reviewer and not rename_reviewer:
            raise CertifierError(
                f"This machine's signing key ({fingerprint(key.public_key())}) is bound to "
                f"'{bound}'. Sign as {bound}, or bind the key to '{reviewer}' explicitly "
                "(--rename-reviewer)."
            )
    now = now or dt.datetime.now(dt.UTC)
    requested = requested_on or report["run"]["finished_at"][:10]
    if due_by is None:
        sla_days = report.get("profile", {}).get("values", {}).get("signoff", {}).get("review_sla_days", 5)
        due_by = (dt.date.fromisoformat(requested) + dt.timedelta(days=sla_days)).isoformat()
    signed = copy.deepcopy(report)
    decisions = signed.setdefault("decisions", [])
    decisions.append(
        {
            "reviewer": reviewer,
            "role": role,
            "decision": decision,
            "comment": comment,
            "conditions": conditions,
            "decided_at": now.isoformat(timespec="seconds"),
            "requested_on": requested,
            "due_by": due_by,
        }
    )
    index = len(decisions) - 1
    content = signed_content(signed, index, CHAINED)
    public = key.public_key()
    signed.setdefault("signatures", []).append(
        {
            "decision_index": index,
            "scheme": CHAINED,
            "reviewer": reviewer,
            "algorithm": ALGORITHM,
            "public_key": base64.b64encode(
                public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            ).decode(),
            "fingerprint": fingerprint(public),
            "signed_at": now.isoformat(timespec="seconds"),
            "sections": section_digests(content),
            "signature": base64.b64encode(key.sign(canonical(content))).decode(),
        }
    )
    if bound != reviewer and key_path().exists() and fingerprint(public) == public_fingerprint():
        bind_reviewer(reviewer)
    return signed


def verdict_of(report: dict[str, Any]) -> str:
    """The verdict the report's own findings and probe statuses give (the rule every report states)."""
    probe_status = {p["id"]: p["status"] for p in report.get("probes", [])}
    required = [p["id"] for p in report.get("probes", []) if p.get("required")]
    if (report.get("package") or {}).get("path"):  # a course check: every required probe, run or not
        required = (report.get("profile") or {}).get("values", {}).get("certification", {}).get("required_probes", [])
    return verdict(findings_of(report), probe_status, required)


def reviewer_path() -> Path:
    return key_path().with_name(REVIEWER_FILE)


def bound_reviewer() -> str | None:
    """The name this machine's signing key signs under (None before its first sign-off)."""
    try:
        data = json.loads(reviewer_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get("reviewer") if isinstance(data, dict) and data.get("fingerprint") == public_fingerprint() else None


def bind_reviewer(name: str) -> None:
    write_atomic(reviewer_path(), json.dumps({"reviewer": name, "fingerprint": public_fingerprint()}).encode("utf-8"))


@dataclass
class Verification:
    valid: bool  # every signature is intact and covers what it should
    lines: list[str]
    established: bool = True  # every intact signature is by a trusted key, so who signed is known


def trusted_fingerprints() -> set[str]:
    """This machine's own key (when it has one) and the keys in the trusted-keys file."""
    trusted = set(read_trusted_keys())
    if key_path().exists():
        trusted.add(fingerprint(load_or_create_key().public_key()))
    return trusted


def verify(report: dict[str, Any], only_keys: set[str] | None = None) -> Verification:
    """Check every signature; say which decision, which key, and which sections do not match.

    Only signed fields are shown as verified: the reviewer and time come from the signed decision,
    and a signature block whose own (unsigned) reviewer or time disagrees with it is not valid.
    With ``only_keys``, a signature by any other key is not valid; without, an intact signature by a
    key that is neither this machine's nor in the trusted-keys file leaves who signed not established."""
    lines: list[str] = []
    ok = True
    established = True
    trusted = only_keys if only_keys is not None else trusted_fingerprints()
    if not isinstance(report, dict):
        return Verification(False, ["Malformed report: it is not a JSON object."])
    decisions = report.get("decisions", [])
    signatures = report.get("signatures", [])
    if not isinstance(decisions, list) or not all(isinstance(d, dict) for d in decisions):
        return Verification(False, ["Malformed report: 'decisions' must be a list of decisions."])
    if not isinstance(signatures, list) or not all(isinstance(s, dict) for s in signatures):
        return Verification(False, ["Malformed report: 'signatures' must be a list of signature blocks."])
    if not signatures:
        return Verification(False, ["Missing signature: nobody has signed this report."])
    signed_indexes = {s.get("decision_index") for s in signatures}
    for index, decision in enumerate(decisions):
        if index not in signed_indexes:
            ok = False
            lines.append(
                f"Decision {index + 1} ({decision.get('decision')} by {decision.get('reviewer')}) is not signed."
            )
    for signature in signatures:
        index = signature.get("decision_index", -1)
        who = str(signature.get("reviewer", "?"))
        if not isinstance(index, int) or isinstance(index, bool):
            ok = False
            lines.append(f"{who}'s signature is malformed (decision_index {index!r} is not a number).")
            continue
        if not 0 <= index < len(decisions):
            ok = False
            lines.append(f"{who}'s signature refers to decision {index + 1}, which the report no longer holds.")
            continue
        try:
            public = Ed25519PublicKey.from_public_bytes(base64.b64decode(signature["public_key"], validate=True))
            raw_signature = base64.b64decode(signature["signature"], validate=True)
        except (KeyError, ValueError, TypeError) as exc:
            ok = False
            lines.append(f"{who}'s signature is malformed ({exc}).")
            continue
        print_ = fingerprint(public)
        if print_ != signature.get("fingerprint"):
            ok = False
            lines.append(f"{who}'s signature names key {signature.get('fingerprint')} but carries key {print_}.")
            continue
        if only_keys is not None and print_ not in only_keys:
            ok = False
            lines.append(f"Wrong key: {who} signed with key {print_}, which is not one of the trusted keys.")
            continue
        scheme = signature.get("scheme", 1)
        content = signed_content(report, index, scheme if isinstance(scheme, int) else CHAINED)
        try:
            public.verify(raw_signature, canonical(content))
        except InvalidSignature:
            ok = False
            now = section_digests(content)
            then = signature.get("sections") if isinstance(signature.get("sections"), dict) else {}
            changed = sorted(k for k in set(now) | set(then) if now.get(k) != then.get(k))
            if scheme >= CHAINED and "prior_signatures" in changed:
                changed[changed.index("prior_signatures")] = "an earlier decision or its signature (removed or edited)"
            what = ", ".join(changed) if changed else "the signature itself"
            lines.append(
                f"Edited content: {who}'s signature (decision {index + 1}) does not match; changed since "
                f"signing: {what}."
            )
            continue
        decision = decisions[index]
        signer, when = decision.get("reviewer"), decision.get("decided_at")
        if who != signer or signature.get("signed_at") not in (None, when):
            ok = False
            lines.append(
                f"Edited signature block: it names {who!r} at {signature.get('signed_at')}, but the signed "
                f"decision {index + 1} was made by {signer!r} at {when}."
            )
            continue
        older = "" if scheme >= CHAINED else "; an older signature that does not cover earlier ones"
        if print_ in trusted:
            lines.append(
                f"Valid: {decision.get('decision')} by {signer} (signed), key {print_}, decided {when}{older}."
            )
            continue
        established = False
        lines.append(
            f"Intact, signer not established: {decision.get('decision')} signed as {signer!r} with key "
            f"{print_}, decided {when}{older}. The report is unchanged since that key signed it, but the key "
            f"is not one you trust, so it does not show that {signer} signed. Confirm the fingerprint "
            f"with {signer}, then pass --trust {print_} or add it to {trusted_keys_path()}."
        )
    return Verification(ok, lines, established)


def public_fingerprint(path: Path | None = None) -> str:
    return fingerprint(load_or_create_key(path).public_key())
