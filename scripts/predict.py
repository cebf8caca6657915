#!/usr/bin/env python
"""Send a Predict request to TF Serving (gRPC by default, REST with --rest) and save the outputs.

  scripts/predict.py --server localhost:8500 --model resnet --inputs input=x.npy
  scripts/predict.py --server localhost:8501 --rest --model resnet --label canary --inputs input=x.npy
  scripts/predict.py --server localhost:8500 --model resnet --metadata     # or --status

Each output is printed (shape, dtype, values) and saved as OUTPUT_DIR/<output key>.npy.
Exit codes: 0 ok, 2 bad input or a request the server refused / could not be reached.
"""
from __future__ import annotations

import argparse
import logging
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when imported as scripts.<name>
import _cli  # noqa: E402  (repo root on sys.path, quiet TF start-up, errors -> exit codes)

import numpy as np  # noqa: E402

from converter.errors import BadInputError  # noqa: E402


def save_outputs(outputs: dict[str, np.ndarray], output_dir: Path) -> None:
    output_dir.mkdir(parents=True, exist_ok=True)
    for key, value in sorted(outputs.items()):
        path = output_dir / (re.sub(r"[^A-Za-z0-9_.-]", "_", key) + ".npy")
        np.save(path, value)
        print(f"output {key}: {value.dtype} {list(value.shape)} -> {path}")
        print(np.array2string(value, threshold=20, edgeitems=3, precision=6))


def run(args) -> int:
    _cli.import_tensorflow_quietly()
    from converter.serving.client import Target, describe_signatures, make_client
    server = args.server or ("localhost:8501" if args.rest else "localhost:8500")
    target = Target(server, args.model, args.signature, args.version, args.label, args.timeout)
    client = make_client(target, rest=args.rest)
    try:
        if args.metadata:
            print(describe_signatures(client.metadata()))
            return 0
        if args.status:
            for entry in client.status().get("model_version_status", []):
                print(f"version {entry.get('version')}: {entry.get('state')}")
            return 0
        if not args.inputs:
            raise BadInputError("pass --inputs name=file.npy ... (or --metadata to see the signature)")
        outputs = client.predict(_cli.read_npy_pairs(args.inputs, "--inputs"), validate=not args.no_validate)
        save_outputs(outputs, Path(args.output_dir))
        return 0
    finally:
        client.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", help="HOST:PORT (default localhost:8500, or localhost:8501 with --rest)")
    parser.add_argument("--model", required=True, help="model name as in models.config")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--version", type=int, help="a specific version (default: the latest served)")
    which.add_argument("--label", help="a version label from models.config, e.g. stable or canary")
    parser.add_argument("--signature", default="serving_default")
    parser.add_argument("--inputs", nargs="*", default=[], metavar="NAME=FILE.npy")
    parser.add_argument("--rest", action="store_true", help="use the REST API (columnar 'inputs') instead of gRPC")
    parser.add_argument("--metadata", action="store_true", help="print the model's signatures and exit")
    parser.add_argument("--status", action="store_true", help="print the model's version states and exit")
    parser.add_argument("--output-dir", default=".", help="where to save <output>.npy files")
    parser.add_argument("--no-validate", action="store_true", help="skip the local input check against metadata")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return _cli.run_main(lambda: run(args), debug=args.debug)


if __name__ == "__main__":
    sys.exit(main())
