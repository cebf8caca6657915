"""converter/onnx_dtypes.py (no TensorFlow) gives the names and NumPy dtypes TensorFlow itself gives."""
from __future__ import annotations

import numpy as np
import onnx
import pytest

from converter.errors import UnsupportedModelError
from converter.onnx_dtypes import ONNX_TO_TF_NAME, np_dtype, tf_dtype_name


def test_the_tensorflow_free_table_agrees_with_tensorflow():
    import tensorflow as tf

    from converter.tf_ops.dtypes import ONNX_TO_TF, tf_dtype

    assert set(ONNX_TO_TF) == set(ONNX_TO_TF_NAME)
    for onnx_type, name in ONNX_TO_TF_NAME.items():
        assert tf_dtype(onnx_type) == tf.as_dtype(name) and tf_dtype(onnx_type).name == tf_dtype_name(onnx_type)
        assert np.dtype(tf_dtype(onnx_type).as_numpy_dtype) == np_dtype(onnx_type), name


def test_a_type_tensorflow_lacks_is_refused_by_both():
    from converter.tf_ops.dtypes import tf_dtype

    for lookup in (tf_dtype_name, np_dtype, tf_dtype):
        with pytest.raises(UnsupportedModelError, match="FLOAT8E4M3FN has no TensorFlow equivalent"):
            lookup(onnx.TensorProto.FLOAT8E4M3FN)
