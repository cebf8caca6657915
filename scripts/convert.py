#!/usr/bin/env python3
"""`torch2serving convert` (converter/cli/convert.py), kept so existing command lines keep working."""
import sys

from converter.cli.convert import main

if __name__ == "__main__":
    sys.exit(main())
