"""Command-line flags of the client signatures (issue 21); the convert command's parser (converter/cli/convert.py) calls
add_client_signature_arguments(parser) and builds the options with client_options_from_args(args)."""
from __future__ import annotations

import argparse

from converter.client_options import (
    RESIZE_MODES,
    SCORE_MODES,
    ClientSignatureOptions,
    ImagePreprocess,
    parse_crop,
    parse_floats,
    parse_scale,
    parse_size,
)
from converter.errors import BadInputError


def add_client_signature_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("signatures for clients (docs/serving.md)")
    group.add_argument("--image-input", metavar="NAME",
                       help="add predict_image_bytes: encoded JPEG/PNG/BMP/GIF in, decoded and preprocessed in the "
                            "graph, fed to the model input NAME")
    group.add_argument("--preprocess", choices=["imagenet"],
                       help="preset: torchvision's classification transforms (resize 256 bilinear, center crop 224, "
                            "/255, ImageNet mean/std); the flags below override its parts")
    group.add_argument("--resize", metavar="S|H,W", help="shorter side to S, or exactly H,W")
    group.add_argument("--resize-mode", choices=RESIZE_MODES, help="interpolation (antialiased like PIL; default bilinear)")
    group.add_argument("--crop", metavar="center:H,W", help="center crop after the resize")
    group.add_argument("--scale", metavar="1/255", help="multiply the uint8 values by this (default 1/255)")
    group.add_argument("--mean", metavar="R,G,B", help="subtracted after scaling (default 0,0,0)")
    group.add_argument("--std", metavar="R,G,B", help="divided by after subtracting the mean (default 1,1,1)")
    group.add_argument("--channels", choices=["rgb", "bgr"], help="channel order the model expects (default rgb)")
    group.add_argument("--labels", metavar="labels.txt",
                       help="one label a line: adds predict_top_k and classes/scores outputs")
    group.add_argument("--top-k", type=int, default=5, help="how many classes/scores per sample (default 5)")
    group.add_argument("--scores", choices=SCORE_MODES, default="softmax", help="scores from the logits (default softmax)")
    group.add_argument("--label-output", metavar="NAME", help="output the labels index (default: the first)")
    group.add_argument("--classify", action="store_true",
                       help="add the tensorflow/serving/classify signature (regress for a single-value output)")
    group.add_argument("--image-atol", type=float, default=5e-2,
                       help="tolerance of the image signature against PyTorch on torchvision-preprocessed images")
    group.add_argument("--latency-budget-ms", type=float,
                       help="--batching auto: largest batch latency allowed when choosing max_batch_size")


def _preprocess(args) -> ImagePreprocess | None:
    flags = {"resize": args.resize, "resize_mode": args.resize_mode, "crop": args.crop, "scale": args.scale,
             "mean": args.mean, "std": args.std, "channels": args.channels}
    if not args.image_input:
        given = [f"--{k.replace('_', '-')}" for k, v in flags.items() if v is not None]
        if args.preprocess or given:
            raise BadInputError(f"{' '.join(given) or '--preprocess'} without --image-input: name the model input "
                                "the images feed, e.g. --image-input input_img")
        return None
    base = ImagePreprocess.imagenet() if args.preprocess == "imagenet" else None
    values = {} if base is None else {f: getattr(base, f) for f in flags}
    if args.resize is not None:
        values["resize"] = parse_size(args.resize, "--resize")
    if args.resize_mode is not None:
        values["resize_mode"] = args.resize_mode
    if args.crop is not None:
        values["crop"] = parse_crop(args.crop)
    if args.scale is not None:
        values["scale"] = parse_scale(args.scale)
    if args.mean is not None:
        values["mean"] = parse_floats(args.mean, "--mean")
    if args.std is not None:
        values["std"] = parse_floats(args.std, "--std")
    if args.channels is not None:
        values["channels"] = args.channels
    return ImagePreprocess(**values)


def client_options_from_args(args) -> ClientSignatureOptions:
    labels = ()
    if args.labels:      # imported only here: converter.savedmodel imports TensorFlow (convert-many's parent
        from converter.savedmodel.labels import read_labels    # validates every entry without it)

        labels = read_labels(args.labels)
    return ClientSignatureOptions(args.image_input, _preprocess(args), labels, args.top_k, args.scores,
                                  args.classify, args.label_output, args.image_atol)
