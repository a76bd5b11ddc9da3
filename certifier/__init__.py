"""Course Certifier core: package reading, policy profiles, probe API, runner and report model.

This package and its probes never import Qt; the GUI (``certifier.ui``) is one client of it,
the command line (``certifier.cli``) another.
"""

__version__ = "0.1.0"
