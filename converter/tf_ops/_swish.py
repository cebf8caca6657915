"""The form of swish / SiLU, x * sigmoid(x), shared by ONNX Swish and converter.fused::Swish."""
from __future__ import annotations

import tensorflow as tf

from converter.tf_ops._util import small_float32

# Elements per batch item (all axes but the first) up to which a float32 swish runs as Sigmoid and MulNoNan.
# Under oneDNN (TF's default on AVX-512 CPUs) grappler's remapper turns Mul(x, Sigmoid(x)) into _MklSwish, at a
# fixed cost of 60-150 us per call, where the two Eigen kernels need 1-3 us for a small LLM's MLP (16 tokens x
# 128) or a squeeze-excitation's SiLU ([1, 1, 32]) at batch 1 and 1-16 at batch 8; they cost about 2.5 ns per
# element, so somewhere between 65 K and 260 K elements per request _MklSwish becomes the faster
# (benchmarks/small_ops.py): at 4 K per item the pair wins to beyond batch 16. MulNoNan equals Mul here (it
# differs only where its second operand, x, is 0, and then x * sigmoid(x) is 0 too) and the remapper leaves it
# alone. Larger tensors keep Mul(Sigmoid(x), x), which the remapper also fuses into the convolution before it.
SMALL_SWISH = 4096


def swish(x: tf.Tensor) -> tf.Tensor:
    """x * sigmoid(x); a small float32 one (see SMALL_SWISH) in a form oneDNN leaves to TF's Eigen kernels."""
    gate = tf.math.sigmoid(x)
    return tf.math.multiply_no_nan(gate, x) if small_float32(x, SMALL_SWISH) else gate * x
