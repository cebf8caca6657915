#!/usr/bin/env python3
"""`torch2serving predict` (converter/cli/predict.py), kept so existing command lines keep working."""
import sys

from converter.cli.predict import main

if __name__ == "__main__":
    sys.exit(main())
