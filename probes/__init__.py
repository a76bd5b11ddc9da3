"""Built-in probes, installed as ``certifier.probes``; each module is one probe, Qt-free."""
