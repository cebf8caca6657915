"""A converted example model (the real pipeline) through the serving tools: C API check and the stand-in."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from converter.config import ConversionConfig, InputSpec
from converter.serving.client import Target, make_client
from converter.serving.load_check import check_serving_load
from converter.serving.model_config import read_models_config
from converter.serving.warmup import replay_warmup
from tests.serving.fake_model_server import FakeModelServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    from converter.pipeline import convert
    from examples.models import EXAMPLES, build

    root = tmp_path_factory.mktemp("e2e")
    model = build("TwoInTwoOut")
    torch.save(model.state_dict(), root / "state_dict.pt")
    spec = EXAMPLES["TwoInTwoOut"]
    config = ConversionConfig(checkpoint=root / "state_dict.pt", name="two", model_class=spec.model_class,
                              inputs=tuple(InputSpec.parse(t) for t in spec.inputs), outputs=spec.outputs,
                              serving_root=root / "serving_models", verify_batch_sizes=(1, 3),
                              version_labels=(("stable", 1),))
    result = convert(config)
    return model, result.version_dir


def _torch(model, feeds):
    with torch.no_grad():
        scores, features = model(torch.from_numpy(feeds["x"]), torch.from_numpy(feeds["y"]))
    return {"scores": scores.numpy(), "features": features.numpy()}


def _feeds(batch, seed):
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal((batch, 8)).astype(np.float32), "y": rng.standard_normal((batch, 4)).astype(np.float32)}


def test_converted_model_loads_with_c_api_and_serves(converted):
    """convert() wrote the warmup file and models.config; both work with the C API loader and the stand-in."""
    model, version_dir = converted
    serving_root = version_dir.parent.parent
    replayed = replay_warmup(version_dir)
    assert replayed.ok and sorted(o.shape[0] for s in replayed.signatures.values() for o in s.outputs.values()) == [1, 1, 8, 8]
    feeds = _feeds(5, 5)
    check = check_serving_load(version_dir, feeds, _torch(model, feeds))
    assert check.ok, check.summary()
    assert all(o.max_abs < 1e-4 for s in check.signatures.values() for o in s.outputs.values())
    entry = read_models_config(serving_root / "models.config").model_config_list.config[0]
    assert entry.name == "two" and dict(entry.version_labels) == {"stable": 1}
    request = _feeds(4, 7)
    expected = _torch(model, request)
    with FakeModelServer(serving_root / "models.config", serving_root) as server:
        for rest in (False, True):
            address = server.rest_address if rest else server.grpc_address
            outputs = make_client(Target(address, "two", label="stable"), rest=rest).predict(request)
            for key in ("scores", "features"):
                np.testing.assert_allclose(outputs[key], expected[key], rtol=1e-4, atol=1e-5)
