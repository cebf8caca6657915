"""Relu. (After a linear layer it is part of converter.fused::Linear, which FuseLinearLayerPass writes.)"""
import tensorflow as tf

from converter.tf_ops.registry import tf_op


@tf_op("Relu", since=6)
def relu_6(ctx, node):
    return [tf.nn.relu(node.inputs[0])]
