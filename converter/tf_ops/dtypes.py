"""ONNX <-> TensorFlow <-> NumPy dtype tables (the names: converter/onnx_dtypes.py, without TensorFlow)."""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from converter.onnx_dtypes import ONNX_TO_TF_NAME, tf_dtype_name

ONNX_TO_TF = {onnx_type: tf.as_dtype(name) for onnx_type, name in ONNX_TO_TF_NAME.items()}
TF_TO_ONNX = {v: k for k, v in ONNX_TO_TF.items()}


def tf_dtype(onnx_type: int) -> tf.DType:
    return tf.as_dtype(tf_dtype_name(onnx_type))     # UnsupportedModelError for types TF lacks


def np_dtype(onnx_type: int) -> np.dtype:
    return tf_dtype(onnx_type).as_numpy_dtype
