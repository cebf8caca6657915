"""A model with data-dependent control flow, exported by tracing, matches PyTorch on inputs like the export
example and nowhere else: the converter must say so plainly, exit 1 and publish nothing."""
from __future__ import annotations

import textwrap

import pytest
import torch

from tests.e2e.conftest import run_script, tree_snapshot

BRANCHY = textwrap.dedent('''
    import torch

    class Branchy(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = torch.nn.Linear(8, 4)

        def forward(self, x):
            if x.mean() > 1.0:          # data-dependent: a trace keeps only the branch it saw
                return self.proj(x) * 2.0
            return self.proj(x) - 1.0
''')


@pytest.mark.slow
def test_traced_data_dependent_branch_is_reported(tmp_path):
    (tmp_path / "branchy.py").write_text(BRANCHY)
    import importlib.util
    spec = importlib.util.spec_from_file_location("branchy", tmp_path / "branchy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(0)
    torch.save(module.Branchy().state_dict(), tmp_path / "branchy.pt")
    root = tmp_path / "serving_models"
    result = run_script("convert.py", "--checkpoint", tmp_path / "branchy.pt", "--model-class", "branchy:Branchy",
                        "--model-path", tmp_path, "--input", "x:float32:2x8", "--output", "y",
                        "--name", "branchy", "--serving-root", root, "--exporter", "torchscript")
    assert result.code == 1, result.stderr[-3000:]
    line = result.last_error_line
    assert line.startswith("error: ") and "Traceback" not in result.stderr
    assert "the exported graph does not generalize: it was traced through data-dependent control flow" in line
    assert "branchy.py:10" in line                      # the `if` line, from the tracer warning
    assert "script that part or use the torch.export path" in line
    assert "shifted" in line                            # N(3,1) inputs take the other branch
    assert tree_snapshot(root) == []
