"""Where the tool keeps the user's keys and run history (the platform's conventions)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "course-certifier"


def config_dir() -> Path:
    """Keys live here. ``CERTIFIER_CONFIG_DIR`` overrides (tests, shared reviewer machines)."""
    return Path(os.environ.get("CERTIFIER_CONFIG_DIR") or platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    """The run history lives here. ``CERTIFIER_DATA_DIR`` overrides."""
    return Path(os.environ.get("CERTIFIER_DATA_DIR") or platformdirs.user_data_dir(APP))
