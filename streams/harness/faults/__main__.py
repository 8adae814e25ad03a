import sys

from streams.harness.faults.cli import main

sys.exit(main())
