"""ONNX element types as TensorFlow dtype names and NumPy dtypes, without importing TensorFlow: the
converting process does not import it (its children do); converter/tf_ops/dtypes.py builds its table
of tf.DTypes from this one."""
from __future__ import annotations

import numpy as np
import onnx

from converter.errors import UnsupportedModelError

_P = onnx.TensorProto
ONNX_TO_TF_NAME = {
    _P.FLOAT: "float32", _P.DOUBLE: "float64", _P.FLOAT16: "float16", _P.BFLOAT16: "bfloat16",
    _P.INT8: "int8", _P.INT16: "int16", _P.INT32: "int32", _P.INT64: "int64",
    _P.UINT8: "uint8", _P.UINT16: "uint16", _P.UINT32: "uint32", _P.UINT64: "uint64",
    _P.BOOL: "bool", _P.STRING: "string", _P.COMPLEX64: "complex64", _P.COMPLEX128: "complex128",
}


def tf_dtype_name(onnx_type: int) -> str:
    """The TensorFlow dtype's name (tf.DType.name) of an ONNX element type."""
    try:
        return ONNX_TO_TF_NAME[onnx_type]
    except KeyError:
        name = _P.DataType.Name(onnx_type) if onnx_type in _P.DataType.values() else str(onnx_type)
        raise UnsupportedModelError(f"ONNX element type {name} has no TensorFlow equivalent") from None


def np_dtype(onnx_type: int) -> np.dtype:
    """The NumPy dtype TensorFlow gives that element type (tf.DType.as_numpy_dtype): strings are objects."""
    name = tf_dtype_name(onnx_type)
    if name == "string":
        return np.dtype(object)
    if name == "bfloat16":
        import ml_dtypes

        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)
