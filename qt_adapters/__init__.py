"""Qt adapters the core starts by name, installed as ``certifier.qt_adapters``.

The core never imports this package: ``certifier.host.qt_adapters`` names its modules, and starts
them (the PDF renderer in-process, the browser helper as a child process) only when asked to, so
the core imports, tests and runs headless without Qt loaded. The desktop app imports them directly.
"""
