"""Send a Predict request to TF Serving (gRPC by default, REST with --rest) and save the outputs.

  torch2serving predict --server localhost:8500 --model resnet --inputs input=x.npy
  torch2serving predict --server localhost:8501 --rest --model resnet --label canary --inputs input=x.npy
  torch2serving predict --server localhost:8500 --model resnet --metadata   # or --status
  torch2serving predict --model resnet --images cat.jpg dog.png            # predict_image_bytes
  torch2serving predict --model resnet --images cat.jpg --classify         # the Classify API

Each output is printed (shape, dtype, values) and saved as OUTPUT_DIR/<output key>.npy.
Exit codes: 0 ok, 2 bad input or a request the server refused / could not be reached.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

from converter.cli.common import command_main, read_npy_pairs, setup_warnings_only
from converter.errors import BadInputError


def save_outputs(outputs: dict[str, np.ndarray], output_dir: Path) -> None:
    output_dir.mkdir(parents=True, exist_ok=True)
    for key, value in sorted(outputs.items()):
        path = output_dir / (re.sub(r"[^A-Za-z0-9_.-]", "_", key) + ".npy")
        np.save(path, value)
        print(f"output {key}: {value.dtype} {list(value.shape)} -> {path}")
        print(np.array2string(value, threshold=20, edgeitems=3, precision=6))


def _examples(args) -> list[dict]:
    """Classify: one tf.Example per image (feature image/encoded), or per row of the --inputs arrays."""
    if args.images:
        return [{"image/encoded": Path(p).read_bytes()} for p in args.images]
    if not args.inputs:
        raise BadInputError("--classify: pass --images FILE ... or --inputs name=file.npy ...")
    arrays = read_npy_pairs(args.inputs, "--inputs")
    rows = len(next(iter(arrays.values())))
    return [{name: value[i] for name, value in arrays.items()} for i in range(rows)]


def run(args) -> int:
    from converter.tf_import import import_tensorflow_quietly

    import_tensorflow_quietly()
    from converter.serving.client import Target, describe_signatures, make_client
    if args.signature is None:
        args.signature = "classify" if args.classify else "predict_image_bytes" if args.images else "serving_default"
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
        if args.classify:
            for path, result in zip(args.images or ["example"], client.classify(_examples(args))):
                print(f"{path}: " + ", ".join(f"{label} {score:.4f}" for label, score in result))
            return 0
        if args.images:
            from converter.serving.client import image_feeds
            outputs = client.predict(image_feeds(args.images), validate=not args.no_validate)
        elif args.inputs:
            outputs = client.predict(read_npy_pairs(args.inputs, "--inputs"), validate=not args.no_validate)
        else:
            raise BadInputError("pass --inputs name=file.npy ... or --images FILE ... (or --metadata to see the signature)")
        save_outputs(outputs, Path(args.output_dir))
        return 0
    finally:
        client.close()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", help="HOST:PORT (default localhost:8500, or localhost:8501 with --rest)")
    parser.add_argument("--model", required=True, help="model name as in models.config")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--version", type=int, help="a specific version (default: the latest served)")
    which.add_argument("--label", help="a version label from models.config, e.g. stable or canary")
    parser.add_argument("--signature", help="default serving_default; predict_image_bytes with --images, "
                                            "classify with --classify")
    parser.add_argument("--inputs", nargs="*", default=[], metavar="NAME=FILE.npy")
    parser.add_argument("--images", nargs="*", default=[], metavar="FILE",
                        help="encoded JPEG/PNG/BMP/GIF files: DT_STRING over gRPC, {\"b64\": ...} over REST")
    parser.add_argument("--classify", action="store_true", help="call the Classify API (tf.Examples) instead of Predict")
    parser.add_argument("--rest", action="store_true", help="use the REST API (columnar 'inputs') instead of gRPC")
    parser.add_argument("--metadata", action="store_true", help="print the model's signatures and exit")
    parser.add_argument("--status", action="store_true", help="print the model's version states and exit")
    parser.add_argument("--output-dir", default=".", help="where to save <output>.npy files")
    parser.add_argument("--no-validate", action="store_true", help="skip the local input check against metadata")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")


def setup(args) -> None:
    setup_warnings_only()


def main(argv: list[str] | None = None) -> int:
    return command_main(sys.modules[__name__], argv)

