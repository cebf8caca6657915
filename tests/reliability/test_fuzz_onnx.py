"""Fuzz: mutated ONNX files never crash the converter and never get published unverified.

Hypothesis mutates valid ONNX models (byte flips and truncation of the file; structural mutations of
the proto: dropped/duplicated/renamed node inputs and outputs, changed attribute values and types,
changed element types, shuffled nodes). Each mutant goes through the stages in-process: load ->
export (ONNX pass-through) -> passes -> OnnxModule -> a run on seeded inputs. Only ConverterError
subclasses may escape. The few mutants that pass every stage then go through a full `convert`:
it either refuses (ConverterError, no version folder) or publishes a model whose parity passed.
"""
from __future__ import annotations

import copy
import random
import shutil
from pathlib import Path

import onnx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from converter.config import ConversionConfig
from converter.errors import ConverterError
from tests.reliability.make_corpus import _valid_graph_model

pytestmark = pytest.mark.slow      # many conversions of mutated files

MAX_EXAMPLES = int(__import__("os").environ.get("FUZZ_MAX_EXAMPLES", "60"))
FULL_CONVERSIONS = 2
ELEM_TYPES = [onnx.TensorProto.FLOAT, onnx.TensorProto.INT64, onnx.TensorProto.DOUBLE, onnx.TensorProto.BOOL,
              onnx.TensorProto.STRING, onnx.TensorProto.FLOAT16, onnx.TensorProto.UINT8, 0, 999]


def _mutate_bytes(blob: bytes, rng: random.Random) -> bytes:
    data = bytearray(blob)
    if rng.random() < 0.3:
        return bytes(data[: rng.randrange(len(data))])
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data)


def _names(model: onnx.ModelProto) -> list[str]:
    graph = model.graph
    return ([i.name for i in graph.input] + [t.name for t in graph.initializer]
            + [o for n in graph.node for o in n.output] + ["", "ghost"])


def _mutate_attribute(node: onnx.NodeProto, rng: random.Random) -> None:
    if not node.attribute:
        node.attribute.append(onnx.helper.make_attribute(rng.choice(["axis", "alpha", "perm"]), rng.randint(-3, 3)))
        return
    attr = rng.choice(node.attribute)
    choice = rng.randrange(4)
    if choice == 0:
        attr.i = rng.choice([-(2 ** 40), -1, 0, 1, 7, 2 ** 40])
    elif choice == 1:
        attr.f = rng.choice([float("nan"), float("inf"), -1.0, 0.0, 1e30])
    elif choice == 2:        # wrong attribute type for its name
        attr.type = rng.choice([t for t in onnx.AttributeProto.AttributeType.values() if t != attr.type])
    else:
        attr.ints[:] = [rng.randint(-3, 5) for _ in range(rng.randint(0, 4))]


def _mutate_structure(model: onnx.ModelProto, rng: random.Random) -> onnx.ModelProto:
    model = copy.deepcopy(model)
    graph = model.graph
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(7)
        node = rng.choice(graph.node) if graph.node else None
        if kind == 0 and node is not None and node.input:
            del node.input[rng.randrange(len(node.input))]
        elif kind == 1 and node is not None and node.input:
            node.input.append(rng.choice(node.input))
        elif kind == 2 and node is not None and node.input:
            node.input[rng.randrange(len(node.input))] = rng.choice(_names(model))
        elif kind == 3 and node is not None and node.output:
            node.output[rng.randrange(len(node.output))] = rng.choice(_names(model))
        elif kind == 4 and node is not None:
            _mutate_attribute(node, rng)
        elif kind == 5:
            values = list(graph.input) + list(graph.output)
            target = rng.choice(values + list(graph.initializer))
            elem = rng.choice(ELEM_TYPES)
            if isinstance(target, onnx.TensorProto):
                target.data_type = elem
            else:
                target.type.tensor_type.elem_type = elem
        else:
            nodes = list(graph.node)
            rng.shuffle(nodes)
            del graph.node[:]
            graph.node.extend(nodes)
    return model


def _run_stages(path: Path, root: Path, work: Path) -> ConversionConfig:
    """load -> export -> passes -> translate -> one run; returns the config when every stage passed."""
    import tensorflow as tf

    from converter.checkpoint import load_checkpoint
    from converter.export import export_to_onnx
    from converter.onnx_passes.pipeline import run_passes
    from converter.tf_ops import load_default_registry
    from converter.tf_ops.module import OnnxModule
    from converter.verify import make_feed_sets, specs_from_onnx

    config = ConversionConfig(checkpoint=path, name="fuzz", serving_root=root, work_dir=work, verify_batch_sizes=(2,))
    loaded = load_checkpoint(config)
    exported = export_to_onnx(loaded, config, work)
    specs = specs_from_onnx(exported.model, config.inputs)
    _reference, translated, _records = run_passes(exported.model, config, str(work))
    module = OnnxModule(translated, load_default_registry(), external_data_dir=str(work))
    feeds = make_feed_sets(specs, (2,), 0)[0].feeds
    module.run({name: tf.constant(value) for name, value in feeds.items()})
    return config


@pytest.fixture(scope="module")
def seed_models(example_checkpoints):
    exported = onnx.load(str(example_checkpoints("TwoInTwoOut")["onnx"]))
    return [_valid_graph_model(), exported]


def test_fuzz_mutated_onnx_never_crashes_never_publishes(seed_models, tmp_path):
    survivors: list[Path] = []
    escaped: list[str] = []
    counter = iter(range(10 ** 6))

    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(which=st.integers(0, len(seed_models) - 1), seed=st.integers(0, 2 ** 32 - 1), as_bytes=st.booleans())
    def check(which, seed, as_bytes):
        rng = random.Random(seed)
        index = next(counter)
        case = tmp_path / f"case{index}"
        case.mkdir()
        path = case / "mutant.onnx"
        model = seed_models[which]
        if as_bytes:
            path.write_bytes(_mutate_bytes(model.SerializeToString(), rng))
        else:
            path.write_bytes(_mutate_structure(model, rng).SerializeToString())
        root = case / "serving_models"
        try:
            _run_stages(path, root, case / "work")
        except ConverterError:
            pass
        except Exception as error:  # noqa: BLE001 - the property under test
            escaped.append(f"{path} ({'bytes' if as_bytes else 'structure'}, seed {seed}): "
                           f"{type(error).__name__}: {str(error)[:300]}")
            return
        else:
            survivors.append(path)
        assert not root.exists() or not any(p.name.isdigit() for p in root.rglob("*")), "a stage published"

    check()
    assert not escaped, "non-ConverterError escaped:\n" + "\n".join(escaped)
    print(f"fuzz: {next(counter)} mutants, {len(survivors)} passed every stage")
    assert survivors, "no mutant passed every stage: the full-conversion half of the property was not exercised"
    outcomes = [_full_conversion_refuses_or_verifies(path) for path in survivors[:FULL_CONVERSIONS]]
    print(f"fuzz: full conversions: {outcomes}")


def _full_conversion_refuses_or_verifies(path: Path) -> None:
    from converter.pipeline import convert

    root = path.parent / "full" / "serving_models"
    shutil.rmtree(root.parent, ignore_errors=True)
    config = ConversionConfig(checkpoint=path, name="fuzz", serving_root=root, verify_batch_sizes=(1, 2),
                              warmup_batch_sizes=(1,))
    try:
        result = convert(config)
    except ConverterError as error:
        assert not any(p.name.isdigit() for p in root.rglob("*")), f"{path}: refused but published"
        return f"refused ({type(error).__name__})"
    assert result.report["parity"]["passed"], path
    assert result.version == 1 and (root / "fuzz" / "1" / "saved_model.pb").is_file()
    return "published, parity passed"
