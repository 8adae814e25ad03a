import sys

from streams.harness.bench.cli import main

sys.exit(main())
