"""Upsample (opsets 7, 9; deprecated by Resize): scales as attribute (7) or input (9), asymmetric coordinates,
nearest rounding as onnxruntime's (floor when enlarging); shares Resize's per-axis resampling."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.op_resize import build_plans, resize, sampling_from
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("Upsample", since=7)
def upsample_7(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data = node.inputs[0]
    scales = node.input(1) if node.opset >= 9 else tf.constant(node.attr("scales"), tf.float32)
    sampling = sampling_from(node, coordinate_mode="asymmetric", nearest_mode="simple")
    return [resize(data, build_plans(node, data, scales, None, None, None, "stretch"), sampling)]
