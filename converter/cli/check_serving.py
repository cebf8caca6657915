"""Check that TF Serving can load a version folder and run its signatures (no model server needed).

  torch2serving check-serving serving_models/NAME/1                # replay the warmup requests
  torch2serving check-serving serving_models/NAME --inputs x=x.npy --expected y=y.npy --signature serving_default
  torch2serving check-serving DIR --serving-version 2.15          # warn about ops newer than TF 2.15
  torch2serving check-serving --dump-op-list converter/serving/op_lists/tf-2.21.txt

Loads with TensorFlow's C API (TF_LoadSessionFromSavedModel, the server's own loader) in a fresh
process. Exit codes: 0 ok, 1 parity failure, 2 bad input, 3 op problems / run errors, 4 internal.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from converter.cli.common import command_main, read_npy_pairs, setup_warnings_only
from converter.errors import BadInputError


def resolve_version_dir(path: Path) -> Path:
    """A version folder, or a model folder (its highest integer version)."""
    if (path / "saved_model.pb").exists():
        return path
    versions = sorted((int(p.name), p) for p in path.glob("*") if p.is_dir() and re.fullmatch(r"\d+", p.name))
    if not versions:
        raise BadInputError(f"{path}: neither a SavedModel version folder nor a model folder with integer versions")
    return versions[-1][1]


def dump_op_list(target: Path) -> int:
    from converter.serving import capi
    names = sorted(capi.registered_op_names())
    from importlib.metadata import version
    lib_version = f"tensorflow=={version('tensorflow')}"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f"# TensorFlow C++ op registry ({len(names)} ops) from {lib_version}\n" + "\n".join(names) + "\n")
    print(f"wrote {len(names)} op names to {target}")
    return 0


def run(args) -> int:
    if args.dump_op_list:
        return dump_op_list(Path(args.dump_op_list))
    if not args.dir:
        raise BadInputError("pass a version folder (serving_models/NAME/1) or --dump-op-list FILE")
    version_dir = resolve_version_dir(Path(args.dir))
    from converter.tf_import import import_tensorflow_quietly

    import_tensorflow_quietly()
    if args.inputs:
        from converter.serving.load_check import check_serving_load
        report = check_serving_load(version_dir, read_npy_pairs(args.inputs, "--inputs"),
                                    read_npy_pairs(args.expected, "--expected") or None, args.signature or None,
                                    args.atol, args.rtol, args.serving_version)
    else:
        from converter.serving.warmup import replay_warmup
        report = replay_warmup(version_dir, args.serving_version)
    print(report.summary())
    if report.ok:
        return 0
    return 3 if (not report.ops_ok or any(s.error for s in report.signatures.values())) else 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", nargs="?", help="version folder, or model folder (highest version)")
    parser.add_argument("--inputs", nargs="*", default=[], metavar="NAME=FILE.npy",
                        help="feeds by signature input key (default: replay assets.extra warmup requests)")
    parser.add_argument("--expected", nargs="*", default=[], metavar="KEY=FILE.npy", help="expected outputs by key")
    parser.add_argument("--signature", action="append", help="signature to run (repeatable; default all)")
    parser.add_argument("--serving-version", help="TF Serving version to check ops against, e.g. 2.15")
    parser.add_argument("--atol", type=float, default=1e-4)
    parser.add_argument("--rtol", type=float, default=1e-3)
    parser.add_argument("--dump-op-list", metavar="FILE", help="write this TensorFlow's registered op names and exit")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")


def setup(args) -> None:
    setup_warnings_only()


def main(argv: list[str] | None = None) -> int:
    return command_main(sys.modules[__name__], argv)

