#!/usr/bin/env python3
"""Run a SavedModel signature like `saved_model_cli run`: TF1 session, tag `serve`, signature by name.

    python scripts/verify.py --dir serving_models/resnet/1 --signature_def predict_images \
        --inputs input_img=x.npy[;other=y.npy] [--outdir OUT]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import _cli


def main(args) -> int:
    import numpy as np

    from converter.errors import BadInputError
    from converter.verify.session_runner import run_in_subprocess

    saved_model_dir = Path(args.dir)
    if not (saved_model_dir / "saved_model.pb").is_file():
        raise BadInputError(f"--dir {saved_model_dir}: no saved_model.pb there; point at a version folder, e.g. serving_models/NAME/1")
    feeds = _cli.read_npy_pairs([item for item in args.inputs.split(";") if item], "--inputs")
    outputs = run_in_subprocess(saved_model_dir, args.signature_def, [feeds])[0]
    out_dir = Path(args.outdir) if args.outdir else None
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
    for key, value in outputs.items():
        print(f"Result for output key {key}:\n{value}")
        if out_dir:
            np.save(out_dir / f"{key.replace('/', '_')}.npy", value)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", required=True, help="SavedModel folder (a version folder)")
    parser.add_argument("--tag_set", default="serve", help="only 'serve' is supported (what TF Serving loads)")
    parser.add_argument("--signature_def", default="serving_default")
    parser.add_argument("--inputs", default="", help="name=file.npy[;name2=file2.npy]")
    parser.add_argument("--outdir", help="save each output as <key>.npy here")
    parser.add_argument("--debug", action="store_true")
    arguments = parser.parse_args()
    _cli.setup_logging()
    sys.exit(_cli.run_main(lambda: main(arguments), arguments.debug))
