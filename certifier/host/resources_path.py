"""Where the bundled resources (profiles, sample course, schema) live once installed."""

from importlib.resources import files
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """Path of a bundled resource; resources are installed as plain files, never zipped."""
    return Path(str(files("certifier.resources").joinpath(*parts)))


def sample_course_path() -> Path:
    return resource_path("sample-course")
