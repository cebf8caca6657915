"""numpy-style matmul for TF, shared by MatMul, Gemm, MatMulInteger and Einsum."""
from __future__ import annotations

import tensorflow as tf

# Integer dtypes TF's MatMul/Einsum kernels lack, and the type to compute in. Casting back wraps
# modulo 2**bits, which is what fixed-width integer matmul does anyway.
# Half precision is accumulated in float32 and rounded once: more accurate than TF's CPU half
# kernels (which oneDNN only accelerates on AVX-512) and what onnx's reference results assume.
_COMPUTE_AS = {tf.int8: tf.int32, tf.int16: tf.int32, tf.uint8: tf.int32, tf.uint16: tf.int32,
               tf.uint32: tf.int64, tf.uint64: tf.int64, tf.float16: tf.float32, tf.bfloat16: tf.float32}


def compute_dtype(dtype: tf.DType) -> tf.DType:
    return _COMPUTE_AS.get(dtype, dtype)


def numpy_matmul(a, b):
    """np.matmul semantics: 1-D operands get a dimension added then removed; batch dims broadcast."""
    out_dtype = a.dtype
    a = tf.cast(a, compute_dtype(a.dtype)) if a.dtype in _COMPUTE_AS else a
    b = tf.cast(b, compute_dtype(b.dtype)) if b.dtype in _COMPUTE_AS else b
    a_vector, b_vector = a.shape.rank == 1, b.shape.rank == 1
    if a_vector:
        a = tf.expand_dims(a, 0)
    if b_vector:
        b = tf.expand_dims(b, -1)
    result = _flattened_matmul(a, b) if _is_linear_layer(a, b) else tf.linalg.matmul(a, b)
    if a_vector:
        result = tf.squeeze(result, -2)
    if b_vector:
        result = tf.squeeze(result, -1)
    return tf.cast(result, out_dtype) if result.dtype != out_dtype else result


def _is_linear_layer(a, b) -> bool:
    """[..., K] @ [K, N] with K, N and all leading dimensions but at most one (the batch) known: a linear
    layer over tokens, whose output shape a reshape can restore without computing it at run time."""
    if a.shape.rank is None or a.shape.rank < 3 or b.shape.rank != 2:
        return False
    dims = a.shape.as_list()
    return dims[-1] is not None and b.shape[1] is not None and sum(d is None for d in dims[:-1]) <= 1


def _flattened_matmul(a, b):
    """The linear layer as one 2-D MatMul between reshapes. TF runs a rank-3 @ rank-2 product as
    BatchMatMulV2, which oneDNN neither fuses with the bias add that follows nor caches the weights of;
    a 2-D MatMul gets both (op_add moves the bias inside the reshape) and measured 5-20% faster."""
    rows = tf.reshape(a, [-1, a.shape[-1]])
    leading = [-1 if d is None else d for d in a.shape.as_list()[:-1]]
    return tf.reshape(tf.linalg.matmul(rows, b), [*leading, b.shape[1]])


def linear_rows(x):
    """(rows, shape) when `x` is the output reshape of a linear layer that _flattened_matmul ran as
    Reshape(MatMul), with op_add's bias inside the reshape or not; else None."""
    op = getattr(x, "op", None)
    if op is None or op.type != "Reshape":
        return None
    rows, shape = op.inputs
    product = rows.op.inputs[0] if rows.op.type == "BiasAdd" else rows
    if product.op.type != "MatMul" or rows.shape.rank != 2 or rows.shape[-1] is None or rows.shape[-1] != x.shape[-1]:
        return None
    return rows, shape


def before_output_reshape(activation, x):
    """`activation(x)` for an elementwise activation. On a linear layer's output it runs on the 2-D rows,
    before the reshape: grappler's remapper fuses MatMul + BiasAdd + Relu/Tanh/Gelu into one oneDNN
    kernel only when nothing stands between them."""
    found = linear_rows(x)
    if found is None:
        return activation(x)
    rows, shape = found
    return tf.reshape(activation(rows), shape)
