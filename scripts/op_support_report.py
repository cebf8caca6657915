"""Write docs/op_support.md from a run of the official ONNX backend tests.

    python scripts/op_support_report.py                       # runs tests/conformance (slow), then writes
    python scripts/op_support_report.py --jobs 2              # the same with pytest-xdist
    python scripts/op_support_report.py --junitxml run.xml    # reads `pytest tests/conformance --junitxml=run.xml`

One row per op of the default ONNX domain: the opset versions our registry handles, how it is handled
(handler / function expansion / no), and the outcome of the node test cases whose graph (subgraphs
included) uses it. Then the overall figures per suite. The output is generated: never edit it by hand.
"""
from __future__ import annotations

import argparse
import collections
import logging
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import onnx  # noqa: E402
import onnx.backend.test.loader as loader  # noqa: E402

from converter.tf_ops import load_default_registry  # noqa: E402
from converter.tf_ops.function_expansion import body_supported  # noqa: E402
from converter.tf_ops.preflight import iter_nodes  # noqa: E402

logger = logging.getLogger("op_support_report")
SUITES = {"OnnxBackendNodeModelTest": "node", "OnnxBackendSimpleModelTest": "simple",
          "OnnxBackendPyTorchConvertedModelTest": "pytorch-converted",
          "OnnxBackendPyTorchOperatorModelTest": "pytorch-operator", "OnnxBackendRealModelTest": "light"}
OUTCOMES = ("pass", "fail", "skip", "excluded")


def run_suite(junit_path: Path, jobs: int) -> None:
    command = [sys.executable, "-m", "pytest", str(ROOT / "tests/conformance/test_onnx_backend.py"), "-q",
               "-p", "no:warnings", f"--junitxml={junit_path}"]
    if jobs > 1:
        command += ["-n", str(jobs)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("CONFORMANCE_INCLUDE", None)                       # the report covers the whole suite
    logger.info("running: %s", " ".join(command))
    subprocess.run(command, cwd=ROOT, env=env, check=False)


def read_outcomes(junit_path: Path) -> dict[tuple[str, str], str]:
    """(suite, case name without _cpu) -> pass / fail / skip / excluded; CUDA variants are dropped."""
    outcomes = {}
    for case in ElementTree.parse(junit_path).iter("testcase"):
        suite = SUITES.get(case.get("classname", "").rsplit(".", 1)[-1])
        name = case.get("name", "")
        if suite is None or not name.endswith("_cpu"):
            continue
        skipped = case.find("skipped")
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = "fail"
        elif skipped is not None:
            message = skipped.get("message", "") + (skipped.text or "")
            if "no matched include pattern" in message:
                continue
            outcome = "excluded" if "matched exclude pattern" in message else "skip"
        else:
            outcome = "pass"
        outcomes[(suite, name[:-len("_cpu")])] = outcome
    return outcomes


def node_case_ops() -> dict[str, set[str]]:
    """Node case name -> op types of the default domain its graph uses (subgraphs included)."""
    cases = {}
    for case in loader.load_model_tests(kind="node"):
        model = case.model if isinstance(case.model, onnx.ModelProto) else onnx.load(
            os.path.join(case.model_dir, "model.onnx"))
        cases[case.name] = {n.op_type for n in iter_nodes(model.graph) if n.domain in ("", "ai.onnx")}
    return cases


def handling(op: str, registry) -> str:
    if registry.versions(op):
        return "handler"
    latest = onnx.defs.onnx_opset_version()
    try:
        schema = onnx.defs.get_schema(op, latest)
    except onnx.defs.SchemaError:
        return "no"
    if not (schema.has_function or schema.has_context_dependent_function):
        return "no"
    node = onnx.helper.make_node(op, [f"in{i}" for i in range(len(schema.inputs))],
                                 [f"out{i}" for i in range(len(schema.outputs))])
    return "function expansion" if body_supported(node, latest, {"": latest}, registry, {}) else "no"


def default_domain_ops() -> list[str]:
    latest = onnx.defs.onnx_opset_version()
    return sorted({s.name for s in onnx.defs.get_all_schemas_with_history()
                   if s.domain == "" and s.since_version <= latest and not s.deprecated})


def summary_rows(outcomes: dict) -> list[str]:
    rows = ["| suite | cases | pass | fail | skip (unsupported) | excluded | excluded % | pass rate (non-excluded) |",
            "|---|---|---|---|---|---|---|---|"]
    for suite in SUITES.values():
        counts = collections.Counter(o for (s, _), o in outcomes.items() if s == suite)
        total = sum(counts.values())
        if not total:
            continue
        run = total - counts["excluded"]
        rows.append(f"| {suite} | {total} | {counts['pass']} | {counts['fail']} | {counts['skip']} | "
                    f"{counts['excluded']} | {100 * counts['excluded'] / total:.1f}% | "
                    f"{100 * counts['pass'] / run if run else 0:.1f}% |")
    return rows


def op_rows(outcomes: dict, case_ops: dict, registry) -> list[str]:
    per_op = collections.defaultdict(collections.Counter)
    for (suite, name), outcome in outcomes.items():
        if suite == "node":
            for op in case_ops.get(name, ()):
                per_op[op][outcome] += 1
    rows = ["| op | handled versions | handled by | pass | fail | skip | excluded |", "|---|---|---|---|---|---|---|"]
    for op in default_domain_ops():
        versions = ", ".join(str(v) for v in registry.versions(op)) or "-"
        counts = per_op[op]
        rows.append(f"| {op} | {versions} | {handling(op, registry)} | "
                    + " | ".join(str(counts[o]) for o in OUTCOMES) + " |")
    return rows


def render(outcomes: dict, case_ops: dict, registry) -> str:
    lines = ["<!-- Generated by scripts/op_support_report.py: do not edit by hand, re-run the script. -->",
             "# ONNX op support", "",
             f"onnx {onnx.__version__} (opsets up to {onnx.defs.onnx_opset_version()}); official backend test "
             "cases on CPU (CUDA variants not counted). *skip* = an op without translation (visible skip), "
             "*excluded* = listed with a reason in tests/conformance/exclusions.py.", "",
             "## Overall", "", *summary_rows(outcomes), "",
             "## Per op (node test cases whose graph uses the op, subgraphs included)", "",
             *op_rows(outcomes, case_ops, registry), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--junitxml", type=Path, help="read this pytest junit xml instead of running the suite")
    parser.add_argument("--jobs", type=int, default=1, help="pytest-xdist workers when running the suite")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "op_support.md")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    junit = args.junitxml
    if junit is None:
        junit = Path(tempfile.mkdtemp()) / "conformance.xml"
        run_suite(junit, args.jobs)
    outcomes = read_outcomes(junit)
    if not outcomes:
        logger.error("no test cases found in %s", junit)
        return 2
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(outcomes, node_case_ops(), load_default_registry()))
    logger.info("wrote %s (%d cases)", args.output, len(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
