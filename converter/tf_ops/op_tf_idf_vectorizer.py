"""TfIdfVectorizer (opset 9): count pool n-grams (tokens s, s+d, ..., d = 1..max_skip_count+1; unigrams once)
per row and weight them (TF / IDF / TFIDF). Output [C] input -> [out], [B, C] -> [B, out], float32."""
import numpy as np
import tensorflow as tf

from converter.errors import OpTranslationError
from converter.tf_ops.context import TranslationContext
from converter.tf_ops.node import OnnxNode
from converter.tf_ops.registry import Outputs, tf_op


def _pool_by_length(node):
    """{n: (pool n-grams as an [P, n] array, their output indices)}."""
    strings = node.attr("pool_strings")
    pool = np.array(strings, dtype=object) if strings else np.array(node.attr("pool_int64s") or [], np.int64)
    counts = list(node.attr("ngram_counts")) + [len(pool)]
    indexes = list(node.attr("ngram_indexes"))
    grouped, consumed = {}, 0
    for n in range(1, len(counts)):
        start, end = counts[n - 1], counts[n]
        grams = pool[start:end].reshape(-1, n)
        grouped[n] = (grams, indexes[consumed:consumed + len(grams)])
        consumed += len(grams)
    return grouped


def _count_ngrams(tokens, grams, n: int, distance: int):
    """[rows, P] occurrences of each pool n-gram with the given skip distance."""
    length = tf.maximum(tf.shape(tokens)[1] - (n - 1) * distance, 0)
    match = None
    for j in range(n):
        window = tokens[:, j * distance:j * distance + length]                 # [rows, starts]
        equal = tf.equal(window[:, :, None], tf.constant(grams[:, j])[None, None, :])
        match = equal if match is None else match & equal
    return tf.reduce_sum(tf.cast(match, tf.float32), axis=1)


@tf_op("TfIdfVectorizer", since=9)
def tf_idf_vectorizer_9(ctx: TranslationContext, node: OnnxNode) -> Outputs:
    data = node.inputs[0]
    mode = node.attr("mode")
    if mode not in ("TF", "IDF", "TFIDF"):
        raise OpTranslationError(f"{node.describe()}: mode {mode!r} is not TF/IDF/TFIDF")
    tokens = tf.reshape(data, [1, -1]) if data.shape.rank < 2 else data
    if data.dtype != tf.string:
        tokens = tf.cast(tokens, tf.int64)
    min_n, max_n = node.attr("min_gram_length"), node.attr("max_gram_length")
    out_size = max(node.attr("ngram_indexes")) + 1
    frequencies = tf.zeros(tf.stack([tf.shape(tokens)[0], out_size]), tf.float32)
    for n, (grams, indexes) in _pool_by_length(node).items():
        if not min_n <= n <= max_n or len(grams) == 0:
            continue
        distances = [1] if n == 1 else range(1, node.attr("max_skip_count", 0) + 2)
        for distance in distances:
            counts = _count_ngrams(tokens, grams, n, distance)
            frequencies += tf.matmul(counts, tf.one_hot(indexes, out_size, dtype=tf.float32))
    weights = node.attr("weights")
    weights = tf.constant(weights, tf.float32) if weights else None
    if mode == "IDF":
        present = tf.cast(frequencies > 0, tf.float32)
        frequencies = present * weights if weights is not None else present
    elif mode == "TFIDF" and weights is not None:
        frequencies = frequencies * weights
    return [tf.reshape(frequencies, [-1]) if data.shape.rank < 2 else frequencies]
