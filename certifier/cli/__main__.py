"""``python -m certifier.cli``: the same as the ``certifier`` command."""

import sys

from certifier.cli import main

if __name__ == "__main__":  # a worker process that re-imports the main module must not run the CLI
    sys.exit(main())
