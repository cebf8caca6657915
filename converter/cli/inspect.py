"""Describe an .onnx file, a SavedModel folder or a serving_models/<name> folder.

Signatures (like `saved_model_cli show --all`), inputs/outputs, op histogram, parameters, opset, versions and
the conversion report's summary.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from converter.cli.common import command_main, setup_logging


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help=".onnx file, SavedModel folder, or serving_models/<name>")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")


def setup(args) -> None:
    setup_logging(quiet=True)


def run(args) -> int:
    from converter.savedmodel.inspect import inspect_path

    print(inspect_path(Path(args.path)))
    return 0


def main(argv: list[str] | None = None) -> int:
    return command_main(sys.modules[__name__], argv)

