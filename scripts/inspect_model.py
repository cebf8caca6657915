#!/usr/bin/env python3
"""`torch2serving inspect` (converter/cli/inspect.py), kept so existing command lines keep working."""
import sys

from converter.cli.inspect import main

if __name__ == "__main__":
    sys.exit(main())
