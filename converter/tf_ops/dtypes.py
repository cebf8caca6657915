"""ONNX <-> TensorFlow <-> NumPy dtype tables."""
from __future__ import annotations

import numpy as np
import onnx
import tensorflow as tf

from converter.errors import UnsupportedModelError

_P = onnx.TensorProto
ONNX_TO_TF = {
    _P.FLOAT: tf.float32, _P.DOUBLE: tf.float64, _P.FLOAT16: tf.float16, _P.BFLOAT16: tf.bfloat16,
    _P.INT8: tf.int8, _P.INT16: tf.int16, _P.INT32: tf.int32, _P.INT64: tf.int64,
    _P.UINT8: tf.uint8, _P.UINT16: tf.uint16, _P.UINT32: tf.uint32, _P.UINT64: tf.uint64,
    _P.BOOL: tf.bool, _P.STRING: tf.string, _P.COMPLEX64: tf.complex64, _P.COMPLEX128: tf.complex128,
}
TF_TO_ONNX = {v: k for k, v in ONNX_TO_TF.items()}


def tf_dtype(onnx_type: int) -> tf.DType:
    try:
        return ONNX_TO_TF[onnx_type]
    except KeyError:
        name = _P.DataType.Name(onnx_type) if onnx_type in _P.DataType.values() else str(onnx_type)
        raise UnsupportedModelError(f"ONNX element type {name} has no TensorFlow equivalent") from None


def np_dtype(onnx_type: int) -> np.dtype:
    return tf_dtype(onnx_type).as_numpy_dtype
