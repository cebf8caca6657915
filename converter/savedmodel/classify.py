"""TF Serving's Classify and Regress APIs: serialized tf.Example in (input key `inputs`), features parsed in
the graph; classify returns `classes` [N, K] (tf.string) and `scores` [N, K], regress `outputs` [N].

Features: with --image-input, the encoded image as bytes feature `image/encoded` (the TF object detection /
TF-Slim convention); every other model input as a float (or int64) feature of its name holding the
tensor flattened in C order (its non-batch dims must be static)."""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from converter.client_options import EXAMPLE_IMAGE_FEATURE, ClientSignatureOptions
from converter.errors import BadInputError
from converter.savedmodel.preprocess import preprocess_images

INPUTS_KEY = "inputs"
REGRESS_OUTPUT_KEY = "outputs"


def feature_specs(spec, options: ClientSignatureOptions) -> dict[str, tf.io.FixedLenFeature]:
    features = {}
    for info in spec.inputs:
        if info.onnx_name == options.image_input:
            features[EXAMPLE_IMAGE_FEATURE] = tf.io.FixedLenFeature([], tf.string)
            continue
        dims = info.shape[1:]
        if any(d is None for d in dims):
            raise BadInputError(f"--classify: input {info.key!r} has dynamic non-batch dims {list(info.shape)}; "
                                "tf.Example features need a fixed size (export with a static shape)")
        kind = tf.int64 if info.dtype.startswith(("int", "uint", "bool")) else tf.float32
        features[info.key] = tf.io.FixedLenFeature([int(np.prod(dims, dtype=np.int64))], kind)
    return features


def parse_inputs(serialized: tf.Tensor, spec, options: ClientSignatureOptions,
                 channels_first: dict[str, bool]) -> list[tf.Tensor]:
    """The model's inputs (signature order) from a batch of serialized tf.Examples."""
    parsed = tf.io.parse_example(serialized, feature_specs(spec, options))
    tensors = []
    for info in spec.inputs:
        if info.onnx_name == options.image_input:
            tensors.append(preprocess_images(parsed[EXAMPLE_IMAGE_FEATURE], options.preprocess,
                                             channels_first[info.onnx_name], tf.as_dtype(info.dtype)))
        else:
            value = tf.reshape(parsed[info.key], [-1, *[int(d) for d in info.shape[1:]]])
            tensors.append(tf.cast(value, tf.as_dtype(info.dtype)))
    return tensors


def is_regressor(output_info) -> bool:
    """A single value per sample: shape [N] or [N, 1]."""
    shape = output_info.shape
    return len(shape) == 1 or (len(shape) == 2 and shape[1] == 1)


def make_example(features: dict[str, object]) -> bytes:
    """A serialized tf.Example: bytes values -> bytes_list, integer arrays -> int64_list, else float_list."""
    feature = {}
    for name, value in features.items():
        if isinstance(value, bytes):
            feature[name] = tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))
            continue
        array = np.asarray(value).reshape(-1)
        if array.dtype.kind in "iub":
            feature[name] = tf.train.Feature(int64_list=tf.train.Int64List(value=array.astype(np.int64)))
        else:
            feature[name] = tf.train.Feature(float_list=tf.train.FloatList(value=array.astype(np.float32)))
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()
