"""Sub: numpy-style broadcasting; integer overflow wraps in both ONNX and TF. Later versions (13, 14) only add types."""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Sub", since=7)
def sub_7(ctx, node):
    return [tf.math.subtract(node.inputs[0], node.inputs[1])]
