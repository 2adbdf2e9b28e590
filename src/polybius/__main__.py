import sys

from polybius.launch import main

sys.exit(main())
