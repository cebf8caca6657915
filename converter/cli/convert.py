"""Convert a PyTorch checkpoint (or an .onnx file) into a verified, versioned TF Serving SavedModel."""
from __future__ import annotations

import argparse
import json
import sys

from converter.cli.common import command_main, setup_logging
from converter.client_arguments import add_client_signature_arguments, client_options_from_args


def build_parser(prog: str = "torch2serving convert") -> argparse.ArgumentParser:
    """The convert command's parser on its own (the Python API reads its flags from it too)."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    add_arguments(parser)
    return parser


def add_arguments(p: argparse.ArgumentParser) -> None:
    src = p.add_argument_group("source")
    src.add_argument("--checkpoint", required=True, help="checkpoint file: .pt/.pth/.pt2/.onnx/TorchScript/torch.package")
    src.add_argument("--format", default="auto", dest="checkpoint_format",
                     help="override detection: state_dict, pickled_module, torchscript, exported_program, torch_package, onnx")
    src.add_argument("--model-class", help="module:Class of the model, for state_dict checkpoints")
    src.add_argument("--model-kwargs", default="{}", help="JSON keyword arguments for the model class")
    src.add_argument("--model-path", default=".", help="folder the --model-class module (and its sibling modules) is imported from (default: .)")
    src.add_argument("--trust-checkpoint", action="store_true",
                     help="allow unpickling code from the checkpoint (full pickled modules, torch.package)")
    src.add_argument("--package-resource", help="package/resource.pkl of the model inside a torch.package archive")
    io = p.add_argument_group("inputs and outputs")
    io.add_argument("--input", action="append", default=[], metavar="NAME:DTYPE:SHAPE",
                    help="model input, e.g. input_img:float32:1x3x224x224 (repeatable, in forward() order)")
    io.add_argument("--input-range", action="append", default=[], metavar="NAME:LOW:HIGH",
                    help="value range [low, high) of an integer input for export and verification (default 0:2)")
    io.add_argument("--output", action="append", default=[], metavar="NAME", help="output name (repeatable, in return order)")
    io.add_argument("--dynamic-axis", action="append", default=[], metavar="NAME:AXIS[:SYMBOL]",
                    help="make another axis dynamic besides the batch, e.g. input_ids:1:sequence")
    io.add_argument("--io-layout", choices=["nchw", "nhwc"], default="nchw",
                    help="layout of image inputs in the published signature (default: as in PyTorch)")
    out = p.add_argument_group("publishing")
    out.add_argument("--name", required=True, help="model name: the folder under the serving root and TF Serving's model name")
    out.add_argument("--signature", default="serving_default", help="signature name (serving_default is always present too)")
    out.add_argument("--serving-root", default="serving_models", help="output root watched by TF Serving")
    out.add_argument("--version", type=int, help="version number (default: highest existing + 1)")
    out.add_argument("--force", action="store_true", help="replace an existing --version atomically")
    out.add_argument("--version-policy", default="latest:1", help="models.config policy: latest:N, all, specific:1,2")
    out.add_argument("--label", action="append", default=[], metavar="LABEL=VERSION", help="version label, e.g. stable=3")
    out.add_argument("--warmup-batch-sizes", default="1,8", help="batch sizes of the warmup requests (default 1,8)")
    out.add_argument("--batching", nargs="?", const="fixed", choices=["fixed", "auto"],
                     help="write batching_parameters.txt for --enable_batching (auto: chosen from measured latency)")
    out.add_argument("--serving-version", help="warn about ops newer than this TF Serving version, e.g. 2.15")
    conv = p.add_argument_group("conversion")
    conv.add_argument("--opset", type=int, default=18, help="ONNX opset for the export (default 18)")
    conv.add_argument("--exporter", choices=["auto", "dynamo", "torchscript"], default="auto",
                      help="auto: torch.export-based first, TorchScript-based as fallback")
    conv.add_argument("--backend", choices=["native", "onnx-tf"], default="native",
                      help="ONNX->TF translator: ours (default) or the classic onnx-tf (needs requirements-onnx-tf.txt)")
    conv.add_argument("--no-layout-pass", action="store_true", help="keep NCHW ops (transposes around every conv/pool)")
    conv.add_argument("--batch-split", default="off", metavar="off|auto|N",
                      help="opt-in: run a batch of N or more as N slices side by side (auto: 2 for "
                           "convolutional graphs; a 1-6%% gain measured on 2 cores only, within the host's "
                           "drift; never for models that mix samples across the batch). Default off")
    conv.add_argument("--variable-threshold-bytes", type=int, default=1024,
                      help="initializers at least this large become tf.Variables (default 1024)")
    ver = p.add_argument_group("verification")
    ver.add_argument("--atol", type=float, help="absolute tolerance (default 1e-4; giving --atol or --rtol makes "
                     "the check strict: no allowance for the measured float32 noise floor)")
    ver.add_argument("--rtol", type=float, help="relative tolerance (default 1e-3; see --atol)")
    ver.add_argument("--verify-batch-sizes", default="1,3,8", help="batch sizes compared (default 1,3,8)")
    ver.add_argument("--seed", type=int, default=0)
    ver.add_argument("--diagnose", action="store_true", help="localise the first divergent node (also done on failure)")
    add_client_signature_arguments(p)
    misc = p.add_argument_group("output")
    misc.add_argument("--work-dir", help="keep intermediate files (exported .onnx) here")
    misc.add_argument("--json", action="store_true", help="print the final summary as JSON on stdout")
    misc.add_argument("--quiet", action="store_true")
    misc.add_argument("--verbose", action="store_true")
    misc.add_argument("--debug", action="store_true", help="show tracebacks")


def config_from_args(args):
    from pathlib import Path

    from converter.config import ConversionConfig, InputSpec
    from converter.errors import BadInputError

    inputs = [InputSpec.parse(text) for text in args.input]
    for text in args.input_range:
        parts = text.split(":")
        if len(parts) != 3:
            raise BadInputError(f"--input-range {text!r}: expected NAME:LOW:HIGH, e.g. input_ids:0:30522")
        name, low, high = parts
        matches = [i for i, s in enumerate(inputs) if s.name == name]
        if not matches:
            raise BadInputError(f"--input-range {text!r}: no --input named {name!r}")
        inputs[matches[0]] = inputs[matches[0]].with_range(_int(low, "--input-range"), _int(high, "--input-range"))
    try:
        model_kwargs = json.loads(args.model_kwargs)
    except json.JSONDecodeError as error:
        raise BadInputError(f"--model-kwargs is not valid JSON: {error}") from None
    if not isinstance(model_kwargs, dict):
        raise BadInputError("--model-kwargs must be a JSON object, e.g. '{\"depth\": 18}'")
    return ConversionConfig(
        checkpoint=Path(args.checkpoint), name=args.name, inputs=tuple(inputs), outputs=tuple(args.output),
        checkpoint_format=args.checkpoint_format, model_class=args.model_class, model_kwargs=model_kwargs,
        model_path=Path(args.model_path), trust_checkpoint=args.trust_checkpoint,
        package_resource=args.package_resource, signature=args.signature, serving_root=Path(args.serving_root),
        version=args.version, force=args.force, dynamic_axes=tuple(_dynamic_axis(t) for t in args.dynamic_axis),
        opset=args.opset, exporter=args.exporter,
        atol=1e-4 if args.atol is None else args.atol, rtol=1e-3 if args.rtol is None else args.rtol,
        explicit_tolerance=args.atol is not None or args.rtol is not None,
        verify_batch_sizes=_int_list(args.verify_batch_sizes, "--verify-batch-sizes"), seed=args.seed,
        variable_threshold_bytes=args.variable_threshold_bytes, backend=args.backend, io_layout=args.io_layout,
        optimize_layout=not args.no_layout_pass, batch_split=args.batch_split,
        warmup_batch_sizes=_int_list(args.warmup_batch_sizes, "--warmup-batch-sizes"), batching=bool(args.batching),
        batching_auto=args.batching == "auto", latency_budget_ms=args.latency_budget_ms,
        client=client_options_from_args(args),
        version_policy=args.version_policy, version_labels=tuple(_label(t) for t in args.label),
        serving_version=args.serving_version, diagnose=args.diagnose,
        work_dir=Path(args.work_dir) if args.work_dir else None)


def _int(text: str, flag: str) -> int:
    from converter.errors import BadInputError
    try:
        return int(text)
    except ValueError:
        raise BadInputError(f"{flag}: {text!r} is not an integer") from None


def _int_list(text: str, flag: str) -> tuple[int, ...]:
    from converter.errors import BadInputError
    values = tuple(_int(t, flag) for t in text.split(",") if t.strip())
    if not values or any(v <= 0 for v in values):
        raise BadInputError(f"{flag} {text!r}: give positive integers separated by commas, e.g. 1,3,8")
    return values


def _dynamic_axis(text: str) -> tuple[str, int, str]:
    from converter.errors import BadInputError
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise BadInputError(f"--dynamic-axis {text!r}: expected NAME:AXIS[:SYMBOL], e.g. input_ids:1:sequence")
    axis = _int(parts[1], "--dynamic-axis")
    return parts[0], axis, parts[2] if len(parts) == 3 else f"{parts[0]}_dim{axis}"


def _label(text: str) -> tuple[str, int]:
    from converter.errors import BadInputError
    label, _, version = text.partition("=")
    if not label or not version:
        raise BadInputError(f"--label {text!r}: expected LABEL=VERSION, e.g. stable=3")
    return label, _int(version, "--label")


def setup(args) -> None:
    setup_logging(args.verbose, args.quiet or args.json)


def run(args) -> int:
    from converter.pipeline import convert

    result = convert(config_from_args(args))
    if args.json:
        print(json.dumps({"status": "published", "exit_code": 0,
                          "message": f"published {result.version_dir} (version {result.version})",
                          "version": result.version,
                          "version_dir": str(result.version_dir), "report": result.report}, indent=2, default=str))
        return 0
    if not result.signature_text:       # the TensorFlow child describes them; reading saved_model.pb needs TF
        from converter.savedmodel.describe import describe_signatures

        result.signature_text = describe_signatures(result.version_dir)
    print(result.signature_text)
    print()
    print(result.parity.table())
    print()
    print(f"published {result.version_dir} (version {result.version}); report: "
          f"{result.version_dir / 'assets.extra' / 'conversion_report.json'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return command_main(sys.modules[__name__], argv)

