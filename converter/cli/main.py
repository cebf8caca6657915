"""`torch2serving`: one entry point over the subcommands (the console script and `python -m converter`)."""
from __future__ import annotations

import argparse
import importlib
import sys

# subcommand -> module under converter/cli/; imported when the parser is built (none imports TF or torch)
SUBCOMMANDS = {
    "convert": "convert",
    "convert-many": "convert_many",
    "verify": "verify",
    "inspect": "inspect",
    "check-serving": "check_serving",
    "predict": "predict",
    "serve": "serve",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="torch2serving", description="PyTorch checkpoints to verified, versioned TF Serving SavedModels.",
        epilog="Exit codes: 0 ok, 1 parity failure, 2 bad input, 3 unsupported model, 4 internal error. "
               "'torch2serving SUBCOMMAND --help' for each subcommand's flags.")
    subparsers = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
    for name, module_name in SUBCOMMANDS.items():
        module = importlib.import_module(f"converter.cli.{module_name}")
        summary = (module.__doc__ or "").strip().splitlines()[0]
        sub = subparsers.add_parser(name, help=summary, description=module.__doc__,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.set_defaults(command=module)
        module.add_arguments(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from converter.cli.common import run_command

    args = build_parser().parse_args(argv)
    return run_command(args.command, args)


if __name__ == "__main__":
    sys.exit(main())
