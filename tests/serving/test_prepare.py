"""The pipeline hooks: warmup + C API check in one fresh process, and the files written after publish."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from converter.errors import BadInputError, ParityError
from converter.serving.batching import read_batching_parameters
from converter.serving.model_config import read_models_config
from converter.serving.prepare import after_publish, prepare_version, raise_for, resize_batch
from converter.serving.warmup import read_warmup_requests
from tests.serving.conftest import make_feeds, reference


def test_prepare_writes_warmup_and_checks_parity(serving_root, tmp_path):
    version_dir = tmp_path / "toy" / "1"
    shutil.copytree(serving_root / "toy" / "1", version_dir)
    feeds = {b: make_feeds(b, seed=b) for b in (2, 3)}
    expected = {b: reference(1, **f) for b, f in feeds.items()}
    result = prepare_version(version_dir, "toy", "serving_default", feeds, expected, warmup_batch_sizes=(1, 8))
    assert result.check.ok, result.check.summary()
    assert [r.inputs["x"].tensor_shape.dim[0].size for r in read_warmup_requests(result.warmup_path)] == [1, 8]
    compared = [o for s in result.check.signatures.values() for o in s.outputs.values() if o.ok is not None]
    assert len(compared) == 4 and max(o.max_abs for o in compared) < 1e-5  # 2 batches x 2 outputs
    raise_for(result.check)
    wrong = {b: reference(2, **f) for b, f in feeds.items()}
    bad = prepare_version(version_dir, "toy", "serving_default", feeds, wrong, warmup_batch_sizes=())
    with pytest.raises(ParityError, match="output y"):
        raise_for(bad.check)


def test_resize_batch_cycles_rows():
    feeds = {"x": np.arange(6).reshape(3, 2)}
    np.testing.assert_array_equal(resize_batch(feeds, 5)["x"][:, 0], [0, 2, 4, 0, 2])
    assert resize_batch(feeds, 1)["x"].shape == (1, 2)


def test_after_publish_keeps_policy_and_refuses_fixed_batch(tmp_path):
    (tmp_path / "toy" / "1").mkdir(parents=True)
    after_publish(tmp_path, "toy", "latest:2", (("stable", 1),))
    paths = after_publish(tmp_path, "toy", batching=True, signature_inputs={"x": ((-1, 4), "float32")},
                          max_batch_size=8)
    entry = read_models_config(paths[0]).model_config_list.config[0]
    assert entry.model_version_policy.latest.num_versions == 2 and dict(entry.version_labels) == {"stable": 1}
    assert read_batching_parameters(paths[1]).max_batch_size.value == 8
    with pytest.raises(BadInputError, match="lack a dynamic"):
        after_publish(tmp_path, "toy", batching=True, signature_inputs={"x": ((1, 4), "float32")})
