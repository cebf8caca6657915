#!/usr/bin/env python3
"""`torch2serving check-serving` (converter/cli/check_serving.py), kept so existing command lines keep working."""
import sys

from converter.cli.check_serving import main

if __name__ == "__main__":
    sys.exit(main())
