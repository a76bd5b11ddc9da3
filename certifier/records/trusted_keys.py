"""The signing keys whose signatures establish who signed: the reviewer keeps them in a plain file.

A signature proves that the report is unchanged since someone with that key signed it; the name in
the report is only what the signer typed. Who signed is established only when the key is one the
person verifying trusts: this machine's own key, or a fingerprint listed in ``trusted-keys.txt`` in
the configuration folder (one per line, then the name it belongs to; ``#`` starts a comment).
"""

from __future__ import annotations

import re
from pathlib import Path

from certifier.errors import CertifierError
from certifier.host.userdirs import config_dir

TRUSTED_KEYS_FILE = "trusted-keys.txt"
FINGERPRINT = re.compile(r"^[0-9a-f]{4}(?::[0-9a-f]{4}){7}$")


def trusted_keys_path() -> Path:
    return config_dir() / TRUSTED_KEYS_FILE


def read_trusted_keys(path: Path | None = None) -> dict[str, str]:
    """Fingerprint → the name written beside it; empty when the file does not exist."""
    path = path or trusted_keys_path()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise CertifierError(f"Cannot read the trusted keys in {path}: {exc}") from exc
    keys: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fingerprint, _, name = line.partition(" ")
        if not FINGERPRINT.match(fingerprint.lower()):
            raise CertifierError(
                f"{path} line {number}: '{fingerprint}' is not a key fingerprint "
                "(eight groups of four hex digits, as 'certifier verify' prints them)."
            )
        keys[fingerprint.lower()] = name.strip()
    return keys
