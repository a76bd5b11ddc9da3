"""What a plain (non-editable) install ships: every sub-package and every resource."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_for_installation():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    mapping = config["package-dir"]
    found = set()
    for name, folder in mapping.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder)
            found.add(".".join([name, *relative.parts]) if relative.parts else name)
    assert found <= listed, f"not installed by a wheel: {sorted(found - listed)}"


def test_every_resource_folder_ships():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    data = config["package-data"]
    for folder in (ROOT / "resources").iterdir():
        if folder.is_dir() and folder.name != "__pycache__":
            package = f"certifier.resources.{folder.name}"
            assert package in data or any(p.startswith(folder.name + "/") for p in data["certifier.resources"]), folder
