import sys

from polybius.cli import main

sys.exit(main())
