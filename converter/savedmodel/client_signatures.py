"""The signatures clients call directly, beside the tensor signatures (issue 21):

  predict_image_bytes  image_bytes: tf.string [-1] (encoded JPEG/PNG/BMP/GIF) -> the model's outputs
                       (+ classes / scores with --labels or --top-k)
  predict_top_k        the tensor inputs -> the model's outputs + classes [-1, K] + scores [-1, K]
  classify             inputs: serialized tf.Example [-1] -> classes, scores (method tensorflow/serving/classify)
  regress              inputs: serialized tf.Example [-1] -> outputs [-1]   (method tensorflow/serving/regress)

Each is a tf.function over the same model function as the tensor signature, saved in the same
SavedModel; tf.saved_model.save writes every signature as `tensorflow/serving/predict`, so the
method names of classify / regress are set in saved_model.pb afterwards (and the fingerprint renewed).
"""
from __future__ import annotations

import logging
from pathlib import Path

import tensorflow as tf

from converter.client_options import (
    CLASSIFY_METHOD,
    CLASSIFY_SIGNATURE,
    IMAGE_BYTES_KEY,
    IMAGE_SIGNATURE,
    REGRESS_METHOD,
    REGRESS_SIGNATURE,
    TOP_K_SIGNATURE,
    ClientSignatureOptions,
)
from converter.errors import BadInputError
from converter.savedmodel import classify as classify_lib
from converter.savedmodel.labels import check_labels, top_k_outputs
from converter.savedmodel.preprocess import preprocess_images

logger = logging.getLogger(__name__)


def labelled_output(spec, options: ClientSignatureOptions):
    """The output the labels index: --label-output, else the first."""
    if options.label_output is None:
        return spec.outputs[0]
    for info in spec.outputs:
        if options.label_output in (info.key, info.onnx_name):
            return info
    raise BadInputError(f"--label-output {options.label_output!r}: the model's outputs are "
                        f"{', '.join(i.key for i in spec.outputs)}")


def _input_info(spec, name: str):
    for info in spec.inputs:
        if name in (info.onnx_name, info.key):
            return info
    raise BadInputError(f"--image-input {name!r}: the model's inputs are {', '.join(i.key for i in spec.inputs)}")


def _channels_first(spec) -> dict[str, bool]:
    return {info.onnx_name: info.onnx_name not in spec.nhwc_inputs for info in spec.inputs}


def signature_plan(spec, options: ClientSignatureOptions) -> dict[str, str]:
    """{signature name: method name} of the client signatures these options ask for."""
    plan = {}
    if options.image_input:
        plan[IMAGE_SIGNATURE] = "tensorflow/serving/predict"
    if options.labels:
        plan[TOP_K_SIGNATURE] = "tensorflow/serving/predict"
    if options.classify:
        if classify_lib.is_regressor(labelled_output(spec, options)) and not options.labels:
            plan[REGRESS_SIGNATURE] = REGRESS_METHOD
        else:
            plan[CLASSIFY_SIGNATURE] = CLASSIFY_METHOD
    return plan


def build_client_functions(serve, spec, options: ClientSignatureOptions) -> dict[str, object]:
    """{signature name: concrete function}. `serve(*tensors)` is the model function of the tensor
    signature (inputs in spec order, returns {output key: tensor})."""
    plan = signature_plan(spec, options)
    if not plan:
        return {}
    label_info = labelled_output(spec, options)
    num_classes = label_info.shape[-1] if label_info.shape else None
    if options.labels or CLASSIFY_SIGNATURE in plan:
        check_labels(options.labels, num_classes, options.top_k, label_info.key)
    channels_first = _channels_first(spec)
    tensor_specs = [tf.TensorSpec([d for d in t.shape] if t.shape else None, tf.as_dtype(t.dtype), name=t.key)
                    for t in spec.inputs]
    labelled = bool(options.labels)

    def with_labels(outputs: dict) -> dict:
        if not labelled:
            return outputs
        return {**outputs, **top_k_outputs(outputs[label_info.key], options.labels, options.top_k, options.scores)}

    functions = {}
    if IMAGE_SIGNATURE in plan:
        image_info = _input_info(spec, options.image_input)
        others = [t for t in tensor_specs if t.name != image_info.key]

        def predict_image_bytes(image_bytes, *rest):
            model_in = preprocess_images(image_bytes, options.preprocess, channels_first[image_info.onnx_name],
                                         tf.as_dtype(image_info.dtype))
            rest = iter(rest)
            tensors = [model_in if t.onnx_name == image_info.onnx_name else next(rest) for t in spec.inputs]
            return with_labels(serve(*tensors))

        function = tf.function(predict_image_bytes, autograph=False, input_signature=[
            tf.TensorSpec([None], tf.string, name=IMAGE_BYTES_KEY), *others])
        functions[IMAGE_SIGNATURE] = function.get_concrete_function()
    if TOP_K_SIGNATURE in plan:
        function = tf.function(lambda *tensors: with_labels(serve(*tensors)), autograph=False,
                               input_signature=tensor_specs)
        functions[TOP_K_SIGNATURE] = function.get_concrete_function()
    example_spec = [tf.TensorSpec([None], tf.string, name=classify_lib.INPUTS_KEY)]
    if CLASSIFY_SIGNATURE in plan:
        def classify(inputs):
            outputs = serve(*classify_lib.parse_inputs(inputs, spec, options, channels_first))
            return top_k_outputs(outputs[label_info.key], options.labels, options.top_k, options.scores)

        functions[CLASSIFY_SIGNATURE] = tf.function(classify, autograph=False,
                                                    input_signature=example_spec).get_concrete_function()
    if REGRESS_SIGNATURE in plan:
        def regress(inputs):
            outputs = serve(*classify_lib.parse_inputs(inputs, spec, options, channels_first))
            value = tf.reshape(tf.cast(outputs[label_info.key], tf.float32), [-1])
            return {classify_lib.REGRESS_OUTPUT_KEY: tf.identity(value, name="outputs")}

        functions[REGRESS_SIGNATURE] = tf.function(regress, autograph=False,
                                                   input_signature=example_spec).get_concrete_function()
    return functions


def set_method_names(saved_model_dir: Path, methods: dict[str, str]) -> None:
    """Write the method names of the given signatures into saved_model.pb; renew fingerprint.pb."""
    from converter.savedmodel.describe import read_saved_model

    methods = {k: v for k, v in methods.items() if v != "tensorflow/serving/predict"}
    if not methods:
        return
    path = Path(saved_model_dir) / "saved_model.pb"
    saved_model = read_saved_model(saved_model_dir)
    for meta_graph in saved_model.meta_graphs:
        for name, method in methods.items():
            if name in meta_graph.signature_def:
                meta_graph.signature_def[name].method_name = method
    tmp = path.with_suffix(".pb.tmp")
    tmp.write_bytes(saved_model.SerializeToString())
    tmp.replace(path)
    fingerprint = Path(saved_model_dir) / "fingerprint.pb"
    if fingerprint.exists():
        from tensorflow.python.saved_model.pywrap_saved_model import fingerprinting

        fingerprint.write_bytes(fingerprinting.CreateFingerprintDef(str(saved_model_dir)))
    logger.info("signature method names: %s", ", ".join(f"{k}={v}" for k, v in sorted(methods.items())))
