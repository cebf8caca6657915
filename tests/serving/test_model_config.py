"""models.config: parsed back with tensorflow_serving's own ModelServerConfig proto."""
from __future__ import annotations

import logging

import pytest
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from converter.errors import BadInputError
from converter.serving.model_config import ModelPolicy, write_models_config


def _parse(path):
    return text_format.Parse(path.read_text(), model_server_config_pb2.ModelServerConfig())


def _make_versions(root, name, versions):
    for version in versions:
        (root / name / str(version)).mkdir(parents=True)


def test_one_entry_per_model_with_integer_versions(tmp_path):
    _make_versions(tmp_path, "b", [1, 3])
    _make_versions(tmp_path, "a", [2])
    (tmp_path / "empty").mkdir()
    (tmp_path / "staging" / ".tmp-1").mkdir(parents=True)   # a half-published folder: not a version
    config = _parse(write_models_config(tmp_path))
    entries = {c.name: c for c in config.model_config_list.config}
    assert list(entries) == ["a", "b"]
    assert entries["a"].base_path == "/models/a" and entries["a"].model_platform == "tensorflow"
    assert entries["b"].model_version_policy.latest.num_versions == 1
    assert not list(tmp_path.glob(".models.config.*"))  # no temp file left behind


def test_policies_labels_and_prefix(tmp_path):
    _make_versions(tmp_path, "m", [1, 2])
    _make_versions(tmp_path, "n", [4, 5, 6])
    overrides = {"m": ModelPolicy("all", (("stable", 1), ("canary", 2))), "n": ModelPolicy("specific:4,6")}
    config = _parse(write_models_config(tmp_path, overrides, base_path_prefix=str(tmp_path)))
    m, n = config.model_config_list.config
    assert m.model_version_policy.WhichOneof("policy_choice") == "all"
    assert dict(m.version_labels) == {"stable": 1, "canary": 2}
    assert list(n.model_version_policy.specific.versions) == [4, 6]
    assert n.base_path == str(tmp_path / "n")


def test_previous_policy_survives_regeneration(tmp_path):
    _make_versions(tmp_path, "m", [1, 2])
    write_models_config(tmp_path, {"m": ModelPolicy("latest:2", (("stable", 1),))})
    _make_versions(tmp_path, "other", [1])
    _make_versions(tmp_path, "m", [3])
    config = _parse(write_models_config(tmp_path))  # a later publish of another model
    m = next(c for c in config.model_config_list.config if c.name == "m")
    assert m.model_version_policy.latest.num_versions == 2 and dict(m.version_labels) == {"stable": 1}
    assert [c.name for c in config.model_config_list.config] == ["m", "other"]


def test_label_on_unserved_version_warns(tmp_path, caplog):
    _make_versions(tmp_path, "m", [1, 2])
    with caplog.at_level(logging.WARNING):
        write_models_config(tmp_path, {"m": ModelPolicy("latest:1", (("stable", 1),))})
    assert "label stable -> version 1" in caplog.text


@pytest.mark.parametrize("policy", ["latest:0", "latest", "specific:", "specific:a", "newest:1"])
def test_bad_policy_is_refused(policy):
    with pytest.raises(BadInputError, match="version policy"):
        ModelPolicy(policy)


def test_broken_existing_config_is_not_silently_replaced(tmp_path):
    _make_versions(tmp_path, "m", [1])
    (tmp_path / "models.config").write_text("model_config_list { config { nme: 'x' } }")
    with pytest.raises(BadInputError, match="not a valid ModelServerConfig"):
        write_models_config(tmp_path)
