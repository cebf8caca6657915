"""Labelled outputs: `classes` (tf.string labels) and `scores` (softmax, sigmoid or raw) of the top K."""
from __future__ import annotations

from pathlib import Path

import tensorflow as tf

from converter.errors import BadInputError

CLASSES_KEY = "classes"
SCORES_KEY = "scores"


def read_labels(path: Path) -> tuple[str, ...]:
    """One label per line (labels.txt of torchvision / TF Hub); trailing whitespace is dropped."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise BadInputError(f"--labels {path}: cannot read it ({error.strerror}); give a text file, one label a line") from None
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise BadInputError(f"--labels {path}: the file is empty; give one label a line, in class-index order")
    return tuple(line.rstrip() for line in lines)


def check_labels(labels: tuple[str, ...], num_classes: int | None, top_k: int, output_key: str) -> None:
    """Refuse a label count that differs from the output's class dimension (when it is static)."""
    if labels and num_classes is not None and len(labels) != num_classes:
        raise BadInputError(f"--labels: {len(labels)} labels but output {output_key!r} has {num_classes} classes; "
                            "give one label per class, in index order")
    if num_classes is not None and top_k > num_classes:
        raise BadInputError(f"--top-k {top_k}: output {output_key!r} has only {num_classes} classes")


def scores_from_logits(logits: tf.Tensor, mode: str) -> tf.Tensor:
    logits = tf.cast(logits, tf.float32)
    if mode == "softmax":
        return tf.nn.softmax(logits, axis=-1)
    if mode == "sigmoid":
        return tf.sigmoid(logits)
    return logits


def top_k_outputs(logits: tf.Tensor, labels: tuple[str, ...], k: int, mode: str) -> dict[str, tf.Tensor]:
    """{classes: string [N, K], scores: float32 [N, K]}, best first; without labels the classes are the
    class indices as strings."""
    flat = tf.reshape(logits, [tf.shape(logits)[0], -1])
    scores, indices = tf.math.top_k(scores_from_logits(flat, mode), k=k, sorted=True)
    if labels:
        classes = tf.gather(tf.constant(list(labels), tf.string), indices)
    else:
        classes = tf.strings.as_string(indices)
    return {CLASSES_KEY: tf.identity(classes, name="classes"), SCORES_KEY: tf.identity(scores, name="scores")}
