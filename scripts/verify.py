#!/usr/bin/env python3
"""`torch2serving verify` (converter/cli/verify.py), kept so existing command lines keep working."""
import sys

from converter.cli.verify import main

if __name__ == "__main__":
    sys.exit(main())
