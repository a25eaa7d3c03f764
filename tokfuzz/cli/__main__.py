"""``python -m tokfuzz.cli``: the ``tokfuzz`` command."""

import sys

from tokfuzz.cli.main import main

sys.exit(main())
