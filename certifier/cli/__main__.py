"""``python -m certifier.cli``: the same as the ``certifier`` command."""

import sys

from certifier.cli import main

sys.exit(main())
