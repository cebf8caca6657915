"""The figures tables of README.md and docs/*.md are generated from benchmarks/results/ (benchmarks/tables.py):
the committed blocks must equal what the generator renders from the committed results files, so that no
figure is edited by hand, and every block names the results file it comes from.

After a new benchmark or zoo run: `.venv/bin/python -m benchmarks.tables` rewrites the blocks."""
from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

import pytest

from benchmarks import tables
from benchmarks.zoo import report as zoo_report

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "zoo-latest.json"

# Which document carries which block (a block may appear in more than one document).
EXPECTED = {
    "README.md": {"readme-speed"},
    "docs/performance.md": {"benchmark-latest", "benchmark-20261204-200555", "benchmark-20261204-143615",
                            "benchmark-20261122-033648", "large-model", "zoo-summary", "zoo-failures"},
    "docs/backends.md": {"backends-20261122-015859"},
    "docs/reliability.md": {"large-model"},
}


def _documents_with_blocks() -> list[Path]:
    return [path for path in tables.documents(ROOT) if tables.blocks_in(path.read_text())]


def test_every_document_holds_its_blocks():
    for relative, names in EXPECTED.items():
        found = {m.group("name") for m in tables.blocks_in((ROOT / relative).read_text())}
        assert names <= found, f"{relative}: generated blocks {sorted(names - found)} are missing"


@pytest.mark.parametrize("path", _documents_with_blocks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_blocks_equal_what_the_results_files_give(path):
    text = path.read_text()
    for match in tables.blocks_in(text):
        committed, rendered = match.group(0), tables.render_block(match.group("name"))
        if committed != rendered:
            diff = "\n".join(difflib.unified_diff(committed.splitlines(), rendered.splitlines(), "committed",
                                                  "rendered", lineterm=""))
            pytest.fail(f"{path.relative_to(ROOT)}: block {match.group('name')!r} is not what "
                        f"benchmarks/results/ gives (never edit a generated figure by hand; run "
                        f"`.venv/bin/python -m benchmarks.tables`):\n{diff}")


@pytest.mark.parametrize("path", _documents_with_blocks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_block_names_its_source_files(path):
    for match in tables.blocks_in(path.read_text()):
        sources = [s.strip() for s in match.group("sources").split(",")]
        assert sources and all(s.startswith("benchmarks/results/") for s in sources), match.group(0)[:120]
        body = match.group("body")
        for source in sources:
            if (ROOT / source).is_file():
                assert f"`{source}`" in body, f"block {match.group('name')!r} does not name {source} in its text"
            else:      # only the zoo's file may be missing, and then the block says so
                assert source.endswith(tables.ZOO_FILE) and tables.PENDING in body, \
                    f"block {match.group('name')!r}: {source} does not exist"


def _results_with(tmp_path: Path, zoo: Path | None) -> Path:
    results = tmp_path / "results"
    shutil.copytree(tables.RESULTS, results, ignore=shutil.ignore_patterns("zoo-*"))
    if zoo is not None:
        shutil.copy(zoo, results / tables.ZOO_FILE)
    return results


def test_fixture_has_the_zoo_record_format():
    """The fixture is what `python -m benchmarks.zoo` writes: its own report renders it, same summary."""
    zoo = json.loads(FIXTURE.read_text())
    assert zoo["summary"] == json.loads(json.dumps(zoo_report.summarize(zoo["models"])))
    assert "**Converted with parity at default flags: 5/7**" in zoo_report.markdown(zoo)


def test_zoo_tables_from_a_zoo_results_file(tmp_path):
    results = _results_with(tmp_path, FIXTURE)
    readme = tables.render_block("readme-speed", results)
    assert tables.PENDING not in readme
    assert ("| zoo: torchvision | 2/3 | median 1.15x, worst 1.20x (resnet50) | "
            "median 0.98x, worst 1.01x (resnet50) | |") in readme
    assert "| zoo: transformers | 2/3 | median 0.95x, worst 0.95x (bert) |" in readme      # hf_vit: no latency
    assert "| benchmark: ResNet-50-sized CNN | yes | 1.16x | | 0.96x |" in readme
    assert "`benchmarks/results/zoo-latest.json`, 2026-12-06 10:00:00 UTC, AMD EPYC 9B14, 2 cores" in readme
    assert "`benchmarks/results/latest.json` (the run `20261204-194718.json`), 2026-12-04 19:47 UTC" in readme

    summary = tables.render_block("zoo-summary", results)
    assert "| **all** | 5/7 | median 1.15x, worst 1.50x (poolformer_s12) |" in summary
    assert "| timm | 1/1 | median 1.50x, worst 1.50x (poolformer_s12) | median 1.20x, worst 1.20x (poolformer_s12) " \
           "| not measured | not measured |" in summary
    assert "By checkpoint format: onnx 1/1, pt2 1/2, state_dict 2/2, trace 1/2." in summary

    failures = tables.render_block("zoo-failures", results)
    assert "| llama | transformers | pt2 | 3 | error: unsupported ONNX ops: com.microsoft::RotaryEmbedding " \
           "(opset 1, 2 nodes) / see docs/op_support.md |" in failures        # a '|' cannot break the table
    assert "efficientnet_b0" in failures and "resnet50" not in failures


def test_zoo_results_pending_instead_of_failing(tmp_path):
    results = _results_with(tmp_path, None)
    readme = tables.render_block("readme-speed", results)
    assert f"| model zoo (torchvision, timm, transformers) | **{tables.PENDING}** | | | |" in readme
    assert "| benchmark: BERT-base-sized encoder (seq 128) | yes | 0.92x | | 0.85x |" in readme
    assert tables.PENDING in tables.render_block("zoo-summary", results)
    assert tables.PENDING in tables.render_block("zoo-failures", results)


def test_provenance_of_older_files():
    """benchmarks/run.py's files carry no date or machine: the date comes from the file name (latest.json:
    from the timestamped file with the same content), the machine is said to be not recorded."""
    block = tables.render_block("benchmark-20261204-200555")
    assert block.splitlines()[-2] == ("Source: `benchmarks/results/20261204-200555.json`, 2026-12-04 20:05 UTC, "
                                      "machine not recorded (2 CPUs); machine speed probe spread 4% during the run.")
    assert "machine not recorded" in tables.render_block("large-model")


def test_check_mode_finds_a_hand_edited_figure_and_rewrite_fixes_it(tmp_path, capsys):
    good = tables.render_block("benchmark-20261204-200555")
    doc = tmp_path / "doc.md"
    doc.write_text(f"# A page\n\n{good.replace('| 45.79 |', '| 44.00 |')}\n\nText after.\n")
    assert tables.main(["--check", str(doc)]) == 1
    assert "| 44.00 |" in doc.read_text()                    # --check changes nothing
    assert tables.main([str(doc)]) == 0
    assert doc.read_text() == f"# A page\n\n{good}\n\nText after.\n"
    assert tables.main(["--check", str(doc)]) == 0


def test_malformed_markers_are_errors():
    with pytest.raises(KeyError, match="unknown generated block"):
        tables.rewrite("<!-- generated:nonsense from benchmarks/results/x.json; do not edit -->\n"
                       "<!-- end generated:nonsense -->")
    with pytest.raises(ValueError, match="no matching"):
        tables.rewrite("<!-- generated:large-model from benchmarks/results/large_model.json; do not edit -->\nx\n")
    with pytest.raises(ValueError, match="not in the form"):        # would be left empty without a word
        tables.rewrite("<!-- generated:large-model -->\n<!-- end generated:large-model -->\n")


def test_zoo_kernels_table_sets_a_onednn_run_beside_the_default_one(tmp_path):
    """`zoo-kernels`: per model, the default run's ratios beside a `--tf-kernels` run's (here the fixture with
    every ratio halved), with each run's summary and both sources."""
    results = _results_with(tmp_path, FIXTURE)
    shutil.copy(FIXTURE, results / tables.ZOO_AVX2_FILE)        # the default run the table is pinned to
    onednn = json.loads(FIXTURE.read_text())
    onednn["latency_conditions"] = {"tf_kernels": "onednn_frozen"}
    for record in onednn["models"]:
        for entry in (record.get("latency") or {}).values():
            entry["ratio"] = entry["ratio"] / 2
    (results / tables.ZOO_ONEDNN_FILE).write_text(json.dumps(onednn))
    resnet = next(r for r in json.loads(FIXTURE.read_text())["models"] if r["model"] == "resnet50")
    b1, b8 = resnet["latency"]["1"]["ratio"], resnet["latency"]["8"]["ratio"]

    table = tables.render_block("zoo-kernels", results)
    assert f"| resnet50 | torchvision | {b1:.2f}x | {b1 / 2:.2f}x | {b8:.2f}x | {b8 / 2:.2f}x |" in table
    assert "default: median" in table and "oneDNN: median" in table
    assert f"`benchmarks/results/{tables.ZOO_ONEDNN_FILE}`" in table
    assert "latency with oneDNN's kernels with TF_ONEDNN_ASSUME_FROZEN_WEIGHTS=1" in table
