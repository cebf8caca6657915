"""Run a SavedModel signature like `saved_model_cli run`: TF1 session, tag `serve`, signature by name.

    torch2serving verify --dir serving_models/resnet/1 --signature_def predict_images \
        --inputs input_img=x.npy[;other=y.npy] [--outdir OUT]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from converter.cli.common import command_main, read_npy_pairs, setup_logging


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", required=True, help="SavedModel folder (a version folder)")
    parser.add_argument("--tag_set", default="serve", help="only 'serve' is supported (what TF Serving loads)")
    parser.add_argument("--signature_def", default="serving_default")
    parser.add_argument("--inputs", default="", help="name=file.npy[;name2=file2.npy]")
    parser.add_argument("--outdir", help="save each output as <key>.npy here")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")


def setup(args) -> None:
    setup_logging()


def run(args) -> int:
    import numpy as np

    from converter.errors import BadInputError
    from converter.verify.session_runner import run_in_subprocess

    saved_model_dir = Path(args.dir)
    if not (saved_model_dir / "saved_model.pb").is_file():
        raise BadInputError(f"--dir {saved_model_dir}: no saved_model.pb there; point at a version folder, "
                            "e.g. serving_models/NAME/1")
    if args.tag_set != "serve":
        raise BadInputError(f"--tag_set {args.tag_set!r}: only 'serve' is supported (the tag TF Serving loads)")
    feeds = read_npy_pairs([item for item in args.inputs.split(";") if item], "--inputs")
    outputs = run_in_subprocess(saved_model_dir, args.signature_def, [feeds])[0]
    out_dir = Path(args.outdir) if args.outdir else None
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
    for key, value in outputs.items():
        print(f"Result for output key {key}:\n{value}")
        if out_dir:
            np.save(out_dir / f"{key.replace('/', '_')}.npy", value)
    return 0


def main(argv: list[str] | None = None) -> int:
    return command_main(sys.modules[__name__], argv)

