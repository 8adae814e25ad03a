#!/usr/bin/env python3
"""Fault scenarios against real brokers and real workers: `python scripts/faults.py --help`.

The scenarios live in streams/harness/faults/ (needs wirewatch installed, with its test extras).
"""

import sys

from streams.harness.faults.cli import main

if __name__ == "__main__":
    sys.exit(main())
