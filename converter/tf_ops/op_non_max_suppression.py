"""NonMaxSuppression: per (batch, class) greedy NMS, output rows [batch, class, box] in selection order.

TF's NonMaxSuppressionV4 matches ONNX's rules (keep score > score_threshold, suppress IoU > iou_threshold,
ties go to the lower box index, boxes given by any diagonal corner pair).
"""
import tensorflow as tf

from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _corner_boxes(boxes, center_point_box: int):
    if not center_point_box:
        return boxes
    x, y, w, h = tf.unstack(boxes, axis=-1)
    return tf.stack([y - h / 2, x - w / 2, y + h / 2, x + w / 2], axis=-1)


def _scalar(tensor, default, dtype):
    if tensor is None or tensor.shape.num_elements() == 0:
        return tf.constant(default, dtype)
    return tf.cast(tf.reshape(tensor, [-1])[0], dtype)


@tf_op("NonMaxSuppression", since=10)
def non_max_suppression_10(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    boxes = tf.cast(_corner_boxes(node.inputs[0], node.attr("center_point_box", 0)), tf.float32)
    scores = tf.cast(node.inputs[1], tf.float32)
    num_boxes = tf.shape(boxes, out_type=tf.int64)[1]
    limit = tf.minimum(_scalar(node.input(2), 0, tf.int64), num_boxes)
    limit = tf.cast(tf.maximum(limit, 0), tf.int32)
    iou = _scalar(node.input(3), 0.0, tf.float32)
    score_threshold = _scalar(node.input(4), float("-inf"), tf.float32)
    batches, classes = tf.shape(scores)[0], tf.shape(scores)[1]
    pairs = tf.reshape(tf.stack(tf.meshgrid(tf.range(batches), tf.range(classes), indexing="ij"), -1), [-1, 2])

    def select(pair):
        chosen, valid = tf.raw_ops.NonMaxSuppressionV4(
            boxes=boxes[pair[0]], scores=scores[pair[0], pair[1]], max_output_size=limit,
            iou_threshold=iou, score_threshold=score_threshold, pad_to_max_output_size=True)
        return chosen, valid

    chosen, valid = tf.map_fn(select, pairs, fn_output_signature=(tf.TensorSpec([None], tf.int32),
                                                                   tf.TensorSpec([], tf.int32)))
    keep = tf.sequence_mask(valid, tf.shape(chosen)[1])
    rows = tf.broadcast_to(pairs[:, None, :], tf.concat([tf.shape(chosen), [2]], 0))
    selected = tf.concat([tf.boolean_mask(rows, keep), tf.boolean_mask(chosen, keep)[:, None]], axis=1)
    return [tf.cast(selected, tf.int64)]
