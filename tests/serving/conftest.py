"""Small SavedModels built directly with tf.Module (no conversion pipeline needed)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

WEIGHTS = {1: np.arange(12, dtype=np.float32).reshape(4, 3) / 10, 2: -np.arange(12, dtype=np.float32).reshape(4, 3) / 7}


class TwoInputModel(tf.Module):
    """y = relu(x @ w) * (ids + 1)[:, None]; s = sum(x, axis=1). Weights live in a tf.Variable."""

    def __init__(self, weights: np.ndarray):
        super().__init__()
        self.w = tf.Variable(weights)

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="x"),
                                  tf.TensorSpec([None], tf.int64, name="ids")])
    def predict(self, x, ids):
        scale = tf.cast(ids + 1, tf.float32)[:, None]
        return {"y": tf.nn.relu(tf.matmul(x, self.w)) * scale, "s": tf.reduce_sum(x, axis=1)}

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="x")])
    def row_sum(self, x):
        return {"s": tf.reduce_sum(x, axis=1)}


def reference(version: int, x: np.ndarray, ids: np.ndarray) -> dict[str, np.ndarray]:
    """The same maths in numpy (float64), independent of TensorFlow."""
    y = np.maximum(x.astype(np.float64) @ WEIGHTS[version].astype(np.float64), 0) * (ids + 1)[:, None]
    return {"y": y, "s": x.astype(np.float64).sum(axis=1)}


def save_two_input_model(version_dir: Path, version: int = 1) -> Path:
    module = TwoInputModel(WEIGHTS[version])
    tf.saved_model.save(module, str(version_dir), signatures={"serving_default": module.predict,
                                                              "row_sum": module.row_sum})
    return version_dir


def make_feeds(batch: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(size=(batch, 4)).astype(np.float32), "ids": rng.integers(0, 3, size=batch).astype(np.int64)}


@pytest.fixture(scope="session")
def serving_root(tmp_path_factory) -> Path:
    """serving_models/ with model 'toy' at versions 1 and 2 (different weights)."""
    root = tmp_path_factory.mktemp("serving_models")
    for version in (1, 2):
        save_two_input_model(root / "toy" / str(version), version)
    return root
