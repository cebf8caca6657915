"""batching_parameters.txt: parsed back with our BatchingParameters proto."""
from __future__ import annotations

import pytest

from converter.errors import BadInputError
from converter.serving.batching import read_batching_parameters, write_batching_parameters

INPUTS = {"x": ((-1, 4), "float32"), "ids": ((-1,), "int64")}


def test_written_file_parses_with_given_values(tmp_path):
    path = write_batching_parameters(tmp_path, INPUTS, max_batch_size=16, batch_timeout_micros=500,
                                     num_batch_threads=2, allowed_batch_sizes=(4, 8, 16))
    params = read_batching_parameters(path)
    assert path.name == "batching_parameters.txt"
    assert params.max_batch_size.value == 16 and params.batch_timeout_micros.value == 500
    assert params.num_batch_threads.value == 2 and params.max_enqueued_batches.value == 100
    assert list(params.allowed_batch_sizes) == [4, 8, 16] and params.pad_variable_length_inputs is False
    assert "max_batch_size {\n  value: 16\n}" in path.read_text()


def test_fixed_batch_dimension_is_refused(tmp_path):
    with pytest.raises(BadInputError, match=r"x \[2, 4\] lack a dynamic \(-1\) batch"):
        write_batching_parameters(tmp_path, {"x": ((2, 4), "float32"), "ids": ((-1,), "int64")})
    with pytest.raises(BadInputError, match="lack a dynamic"):
        write_batching_parameters(tmp_path, {"scalar": ((), "float32")})
    assert not (tmp_path / "batching_parameters.txt").exists()


@pytest.mark.parametrize("params", [{"allowed_batch_sizes": (8, 4, 32)}, {"allowed_batch_sizes": (4, 8)},
                                    {"max_batch_size": 0}, {"bogus": 1}])
def test_invalid_parameters_are_refused(tmp_path, params):
    with pytest.raises(BadInputError):
        write_batching_parameters(tmp_path, INPUTS, **params)
