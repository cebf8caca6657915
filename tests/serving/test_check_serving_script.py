"""`torch2serving check-serving` (scripts/check_serving.py) exit codes and output."""
from __future__ import annotations

import numpy as np

from converter.serving.warmup import write_warmup_requests
from converter.cli import check_serving
from tests.serving.conftest import make_feeds, reference


def test_warmup_replay_then_parity_pass_and_fail(serving_root, tmp_path, capsys):
    version_dir = serving_root / "toy" / "1"
    for version in (1, 2):
        write_warmup_requests(serving_root / "toy" / str(version), "toy", "serving_default", [make_feeds(2)])
    assert check_serving.main([str(serving_root / "toy")]) == 0  # a model folder: checks its highest version
    assert "serving load check OK" in capsys.readouterr().out
    feeds = make_feeds(3)
    for name, value in {**feeds}.items():
        np.save(tmp_path / f"{name}.npy", value)
    np.save(tmp_path / "y.npy", reference(1, **feeds)["y"])
    inputs = ["--inputs", f"x={tmp_path / 'x.npy'}", f"ids={tmp_path / 'ids.npy'}", "--expected", f"y={tmp_path / 'y.npy'}",
              "--signature", "serving_default"]
    assert check_serving.main([str(version_dir), *inputs]) == 0
    assert check_serving.main([str(serving_root / "toy" / "2"), *inputs]) == 1  # other weights: parity miss
    assert "FAIL" in capsys.readouterr().out


def test_bad_folder_and_op_list_dump(tmp_path, capsys):
    assert check_serving.main([str(tmp_path)]) == 2
    assert "neither a SavedModel" in capsys.readouterr().err
    target = tmp_path / "ops.txt"
    assert check_serving.main(["--dump-op-list", str(target)]) == 0
    names = target.read_text().splitlines()[1:]
    assert {"MatMul", "StatefulPartitionedCall", "PyFunc"} <= set(names) and names == sorted(names)
