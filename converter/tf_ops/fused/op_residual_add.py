"""converter.fused::ResidualAdd(A, B), written by FuseResidualAddPass: A + B (as ONNX Add), one operand a
convolution's output. Where the shapes are statically equal it runs as AddN, which grappler's remapper folds
into the convolution (Conv + BiasAdd + AddN (+ Relu) as one oneDNN kernel) while it leaves an AddV2 as a
separate pass over memory; elsewhere as AddV2."""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.fused import FUSED_DOMAIN
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


@tf_op("ResidualAdd", since=1, domain=FUSED_DOMAIN)
def fused_residual_add_1(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    a, b = node.inputs[0], node.inputs[1]
    return [tf.add_n([a, b]) if _same_static_shape(a, b) else tf.add(a, b)]


def _same_static_shape(a: tf.Tensor, b: tf.Tensor) -> bool:
    """AddN cannot broadcast: every dimension known and equal, except a shared unknown batch (dimension 0)."""
    if a.shape.rank is None or a.shape.rank < 2 or a.shape.as_list() != b.shape.as_list():
        return False
    return all(d is not None for d in a.shape.as_list()[1:])
