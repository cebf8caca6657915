#!/usr/bin/env python3
"""(Named inspect_model.py, not inspect.py: a script of that name would shadow the standard library's
`inspect` module for every script in this folder.)

Describe an .onnx file, a SavedModel folder or a serving_models/<name> folder: signatures (like
`saved_model_cli show --all`), inputs/outputs, op histogram, parameters, opset, versions, report summary."""
from __future__ import annotations

import sys

import argparse
from pathlib import Path

import _cli


def main(args) -> int:
    from converter.savedmodel.inspect import inspect_path

    print(inspect_path(Path(args.path)))
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", help=".onnx file, SavedModel folder, or serving_models/<name>")
    parser.add_argument("--debug", action="store_true")
    arguments = parser.parse_args()
    _cli.setup_logging(quiet=True)
    sys.exit(_cli.run_main(lambda: main(arguments), arguments.debug))
