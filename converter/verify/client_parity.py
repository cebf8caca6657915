"""Verification of the client signatures (issue 21), run by the pipeline beside the tensor parity check.

References, computed while the PyTorch model is alive (before translation):
- image path: seeded lossless PNGs (RGB, grayscale, RGBA; several sizes) encoded at conversion time,
  decoded by PIL and preprocessed by torchvision.transforms.v2, through PyTorch (or ONNX Runtime for an
  .onnx checkpoint); plus one JPEG smoke image.
- top-k / classify: top-k of softmax/sigmoid/raw of the same reference logits, labels by index.
Then the staged SavedModel is loaded by TF's C API (as TF Serving loads it, converter/serving/load_check)
and every client signature runs: predict_image_bytes on the PNG bytes and the JPEG, predict_top_k on the
tensor inputs, classify/regress on tf.Examples carrying the same images or tensors, and bad bytes, which
must fail with INVALID_ARGUMENT. The same requests go into the warmup file.

Tolerances: the preprocessing is bit-exact with PIL + torchvision for PNG and JPEG (tests/savedmodel/
test_preprocess.py), so PNG parity uses the tensor path's --atol/--rtol; the JPEG smoke run uses
--image-atol (default 5e-2), in case the TF build's libjpeg differs from PIL's.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from converter.client_options import (
    CLASSIFY_SIGNATURE,
    EXAMPLE_IMAGE_FEATURE,
    IMAGE_BYTES_KEY,
    IMAGE_SIGNATURE,
    REGRESS_SIGNATURE,
    TOP_K_SIGNATURE,
    ClientSignatureOptions,
)
from converter.errors import BadInputError, ParityError, UnsupportedModelError

logger = logging.getLogger(__name__)
INVALID_ARGUMENT = 3


@dataclass
class ClientCases:
    """Encoded test images and the reference logits of the labelled output on them."""
    image_names: list[str] = field(default_factory=list)
    images: list[bytes] = field(default_factory=list)
    image_outputs: list = field(default_factory=list)   # reference outputs (ONNX order), PNGs then the JPEG
    jpeg_index: int = -1
    image_logits: np.ndarray | None = None               # the labelled output, set by check_client_signatures


def image_cases(options: ClientSignatureOptions, loaded, reference_model, data_dir: str, input_specs,
                seed: int) -> ClientCases | None:
    """The image references (call before the PyTorch model is released)."""
    if not options.image_input:
        return None
    from converter.verify.image_reference import (
        reference_batch,
        smoke_jpeg,
        verification_images,
    )

    names = [s.name for s in input_specs]
    if names != [options.image_input]:
        raise BadInputError(f"--image-input {options.image_input!r}: verifying the image signature needs it to be "
                            f"the model's only input (inputs: {', '.join(names)})")
    cases = verification_images(seed)
    names_, images = [n for n, _ in cases] + ["jpeg smoke"], [b for _, b in cases] + [smoke_jpeg(seed)]
    batch = reference_batch(images, options.preprocess).astype(input_specs[0].np_dtype)
    feeds = {options.image_input: batch}
    if loaded.module is not None:
        from converter.checkpoint import run_eager

        outputs = run_eager(loaded, feeds, names)
    else:
        from converter.verify import onnxruntime_outputs

        outputs = onnxruntime_outputs(reference_model, [feeds], data_dir)[0]
    return ClientCases(names_, images, [np.asarray(o) for o in outputs], len(images) - 1)


def expected_top_k(logits: np.ndarray, options: ClientSignatureOptions) -> dict[str, np.ndarray]:
    flat = np.asarray(logits, np.float64).reshape(len(logits), -1)
    if options.scores == "softmax":
        e = np.exp(flat - flat.max(axis=1, keepdims=True))
        scores = e / e.sum(axis=1, keepdims=True)
    elif options.scores == "sigmoid":
        scores = 1 / (1 + np.exp(-flat))
    else:
        scores = flat
    order = np.argsort(-scores, axis=1, kind="stable")[:, :options.top_k]
    labels = options.labels or tuple(str(i) for i in range(flat.shape[1]))
    classes = np.array([[labels[i].encode() for i in row] for row in order], dtype=object)
    return {"classes": classes, "scores": np.take_along_axis(scores, order, axis=1).astype(np.float32)}


def _runs(options, plan, spec, label_key, cases, tensor_feeds, tensor_logits):
    """(feed set, signature, label, expected, tolerance) of every client-signature run."""
    from converter.savedmodel.classify import make_example

    runs = []
    labelled = bool(options.labels)
    if cases is not None:
        png = slice(0, cases.jpeg_index)
        for part, what in ((png, "png"), (slice(cases.jpeg_index, None), "jpeg")):
            logits = cases.image_logits[part]
            expected = {label_key: logits, **(expected_top_k(logits, options) if labelled else {})}
            feeds = {IMAGE_BYTES_KEY: np.array(cases.images[part], dtype=object)}
            if IMAGE_SIGNATURE in plan:
                runs.append((feeds, IMAGE_SIGNATURE, what, expected, what == "jpeg"))
            if CLASSIFY_SIGNATURE in plan:
                examples = [make_example({EXAMPLE_IMAGE_FEATURE: b}) for b in cases.images[part]]
                runs.append(({"inputs": np.array(examples, dtype=object)}, CLASSIFY_SIGNATURE, what,
                             expected_top_k(logits, options), what == "jpeg"))
        if IMAGE_SIGNATURE in plan:
            bad = {IMAGE_BYTES_KEY: np.array([cases.images[0], b"not an image"], dtype=object)}
            runs.append((bad, IMAGE_SIGNATURE, "bad bytes", None, False))
    if TOP_K_SIGNATURE in plan:
        runs.append((tensor_feeds, TOP_K_SIGNATURE, "tensor", {label_key: tensor_logits,
                                                              **expected_top_k(tensor_logits, options)}, False))
    if (CLASSIFY_SIGNATURE in plan and cases is None) or REGRESS_SIGNATURE in plan:
        batch = len(tensor_logits)
        examples = [make_example({k: v[i] for k, v in tensor_feeds.items()}) for i in range(batch)]
        if CLASSIFY_SIGNATURE in plan:
            expected = expected_top_k(tensor_logits, options)
        else:
            expected = {"outputs": np.asarray(tensor_logits, np.float32).reshape(-1)}
        runs.append(({"inputs": np.array(examples, dtype=object)}, next(iter(set(plan) & {CLASSIFY_SIGNATURE, REGRESS_SIGNATURE})),
                     "tensor examples", expected, False))
    return runs


def check_client_signatures(version_dir: Path, spec, options: ClientSignatureOptions, cases: ClientCases | None,
                            tensor_feeds: dict[str, np.ndarray], tensor_logits: np.ndarray, atol: float,
                            rtol: float, model_name: str) -> dict:
    """Run every client signature through the C API loader, compare, add the warmup records.
    Raises ParityError on a difference, UnsupportedModelError when bad bytes do not give INVALID_ARGUMENT."""
    from converter.savedmodel.client_signatures import labelled_output, signature_plan
    from converter.serving.load_check import run_load_check
    from converter.serving.warmup import (
        append_warmup_records,
        classify_log,
        predict_log,
        regress_log,
    )

    plan = signature_plan(spec, options)
    label_key = labelled_output(spec, options).key
    if cases is not None:
        cases.image_logits = cases.image_outputs[[o.key for o in spec.outputs].index(label_key)]
    runs = _runs(options, plan, spec, label_key, cases, tensor_feeds, tensor_logits)
    summary = {"signatures": plan, "runs": []}
    for loose in (False, True):       # two load checks: the tolerance differs
        chosen = [r for r in runs if r[4] == loose]
        if not chosen:
            continue
        tol = options.image_atol if loose else atol
        report = run_load_check(version_dir, [r[0] for r in chosen],
                                [{"feed_set": i, "signatures": [r[1]], "label": r[2]} for i, r in enumerate(chosen)],
                                [r[3] for r in chosen], tol, rtol)
        for _feeds, name, label, expected, _ in chosen:
            result = report.signatures[f"{name}[{label}]"]
            row = {"signature": name, "inputs": label, "atol": tol, "rtol": rtol, "error": result.error,
                   "outputs": {k: {"max_abs": o.max_abs, "ok": o.ok} for k, o in result.outputs.items()}}
            summary["runs"].append(row)
            if expected is None:
                if result.error is None or result.code != INVALID_ARGUMENT:
                    raise UnsupportedModelError(f"{name}: bad image bytes gave {result.error or 'no error'} "
                                                f"(code {result.code}) instead of INVALID_ARGUMENT")
                summary["bad_bytes_error"] = result.error
                continue
            if result.error:
                raise UnsupportedModelError(f"TF Serving could not run signature {name} on {label} inputs: {result.error}")
            if not result.ok:
                bad = [f"{k}: {o.problem}" for k, o in result.outputs.items() if o.ok is False]
                raise ParityError(f"signature {name} on {label} inputs differs from PyTorch: {'; '.join(bad)}")
    records = []
    for feeds, name, _label, expected, _ in runs:
        if expected is None:
            continue
        if name == CLASSIFY_SIGNATURE:
            records.append(classify_log(model_name, name, list(feeds["inputs"])))
        elif name == REGRESS_SIGNATURE:
            records.append(regress_log(model_name, name, list(feeds["inputs"])))
        else:
            records.append(predict_log(model_name, name, feeds))
    append_warmup_records(version_dir, records)
    logger.info("client signatures verified through the C API loader: %s",
                ", ".join(f"{r['signature']}[{r['inputs']}]" for r in summary["runs"]))
    return summary
