"""`python -m mediarec`: the command line; with no arguments it opens the desktop app."""

import sys

from mediarec.cli import main

sys.exit(main())
