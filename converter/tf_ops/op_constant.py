"""Constant: exactly one of value (tensor), sparse_value (since 11, densified here), value_float(s),
value_int(s), value_string(s) (since 12). Later versions only add types."""
import numpy as np
import tensorflow as tf
from onnx import numpy_helper

from converter.errors import OpTranslationError
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op

_SCALAR_ATTRIBUTES = {"value_float": np.float32, "value_floats": np.float32,
                      "value_int": np.int64, "value_ints": np.int64}


@tf_op("Constant", since=1)
def constant_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    return [tf.constant(_constant_array(node))]


def _constant_array(node) -> np.ndarray:
    if node.attr("value") is not None:
        return np.asarray(node.attr("value"))
    if node.attr("sparse_value") is not None:
        return _densify(node.attr("sparse_value"))
    for name, dtype in _SCALAR_ATTRIBUTES.items():
        if node.attr(name) is not None:
            return np.asarray(node.attr(name), dtype=dtype)
    for name in ("value_string", "value_strings"):
        if node.attr(name) is not None:
            value = node.attr(name)
            encoded = [v.encode("utf-8") for v in value] if isinstance(value, list) else value.encode("utf-8")
            return np.asarray(encoded, dtype=object)
    raise OpTranslationError(f"{node.describe()}: Constant has none of the value attributes")


def _densify(sparse) -> np.ndarray:
    """A SparseTensorProto as a dense array; indices are [nnz, rank] or linear [nnz]."""
    values = numpy_helper.to_array(sparse.values)
    indices = numpy_helper.to_array(sparse.indices).astype(np.int64)
    dense = np.zeros(int(np.prod(sparse.dims)), dtype=values.dtype)
    if indices.ndim == 2:
        indices = np.ravel_multi_index(tuple(indices.T), tuple(sparse.dims))
    dense[indices] = values
    return dense.reshape(tuple(sparse.dims))
