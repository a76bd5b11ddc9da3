"""The core, the probes and the CLI never load Qt."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys, pkgutil, importlib
import certifier, certifier.probes
for mod in pkgutil.walk_packages(certifier.__path__, 'certifier.'):
    if not mod.name.startswith('certifier.ui') and not mod.name.endswith('.__main__'):
        importlib.import_module(mod.name)
for mod in pkgutil.walk_packages(certifier.probes.__path__, 'certifier.probes.'):
    importlib.import_module(mod.name)
from certifier.cli import main
code = main(['check', '--demo'])
qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'PyQt')))
print('QT:', qt)
sys.exit(0 if not qt else 1)
"""


def test_core_probes_and_cli_import_no_qt():
    result = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120, check=False)
    assert "QT: []" in result.stdout, result.stdout[-2000:] + result.stderr[-2000:]
    assert result.returncode == 0
