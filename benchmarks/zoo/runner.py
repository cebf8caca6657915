"""The convert phase for one model: write its checkpoint (child process), convert it with the real CLI
(`torch2serving convert` through benchmarks/convert_child.py, default flags plus the model's --input/--output/
--input-range), and record exit code, one-line error, parity and seconds as JSON under the work folder."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.zoo.catalogue import ZooModel

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "benchmarks" / "work" / "zoo"
TIMEOUT_S = 3600
# a row of ParityReport.table(), as the CLI logs it on a parity failure
_TABLE_ROW = re.compile(r"^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\(.*?\))\s+(\S+)\s+(\S+)\s+(yes|NO.*)$")


def model_dir(model: ZooModel, work: Path = WORK) -> Path:
    return work / model.name


def result_path(model: ZooModel, work: Path = WORK) -> Path:
    return model_dir(model, work) / "convert.json"


def load_result(model: ZooModel, work: Path = WORK) -> dict | None:
    path = result_path(model, work)
    return json.loads(path.read_text()) if path.is_file() else None


def run_convert_phase(model: ZooModel, work: Path = WORK, timeout_s: int = TIMEOUT_S) -> dict:
    """Checkpoint + conversion of one model; the record is cached in <work>/<model>/convert.json."""
    folder = model_dir(model, work)
    for stale in ("checkpoint", "serving", "onnx"):
        shutil.rmtree(folder / stale, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    record = {"model": model.name, "library": model.library, "family": model.family, "format": model.format,
              "arch": model.arch, "keras": model.keras}
    checkpoint = _write_checkpoint(model, folder, timeout_s)
    record["checkpoint"] = checkpoint
    if checkpoint.get("exit_code", 0) != 0:
        record.update(converted=False, exit_code=None, stage="checkpoint",
                      error=f"writing the {model.format} checkpoint failed: {checkpoint['error']}")
    else:
        record.update(_convert(model, folder, checkpoint, timeout_s))
    result_path(model, work).write_text(json.dumps(record, indent=2))
    return record


def _child_env() -> dict:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def run_json_child(arguments: list[str], env: dict | None = None, timeout_s: int = 1800) -> dict:
    """`python <arguments>` in a child process of its own (TF reads its environment once, at import) whose
    last stdout line is JSON: that JSON, or {"error": the child's one-line error}."""
    try:
        done = subprocess.run([sys.executable, *arguments], capture_output=True, text=True, cwd=ROOT,
                              env={**_child_env(), **(env or {})}, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout_s} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"error": last_error_line(done.stderr) or f"exit code {done.returncode}"}
    return json.loads(lines[-1])


def _write_checkpoint(model: ZooModel, folder: Path, timeout_s: int) -> dict:
    command = [sys.executable, "-m", "benchmarks.zoo.checkpoints", model.name, str(folder / "checkpoint")]
    try:
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=_child_env(), timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"exit_code": -1, "error": f"timed out after {timeout_s} s"}
    (folder / "checkpoint.log").write_text(done.stdout + done.stderr)
    lines = [line for line in done.stdout.splitlines() if line.startswith("ZOO_CHECKPOINT ")]
    if done.returncode != 0 or not lines:
        return {"exit_code": done.returncode, "error": last_error_line(done.stderr)}
    return json.loads(lines[-1][len("ZOO_CHECKPOINT "):])


def convert_command(model: ZooModel, folder: Path, checkpoint: dict) -> list[str]:
    return [sys.executable, "-m", "benchmarks.convert_child", "--checkpoint", checkpoint["checkpoint"],
            "--name", model.name, "--serving-root", str(folder / "serving"), "--work-dir", str(folder / "onnx"),
            "--json", *checkpoint.get("args", []), *model.cli_args()]


def _convert(model: ZooModel, folder: Path, checkpoint: dict, timeout_s: int) -> dict:
    command = convert_command(model, folder, checkpoint)
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=_child_env(), timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"converted": False, "exit_code": None, "stage": "convert", "seconds": timeout_s,
                "error": f"conversion timed out after {timeout_s} s", "command": _shown(command)}
    seconds = round(time.perf_counter() - start, 2)
    (folder / "convert.log").write_text(done.stderr)
    summary, bench = parse_child_stdout(done.stdout)
    code = bench.get("exit_code", done.returncode)
    record = {"exit_code": code, "converted": code == 0, "stage": "convert", "seconds": seconds,
              "peak_rss_mb": bench.get("peak_rss_mb"), "command": _shown(command)}
    if code == 0 and summary.get("report"):
        report = summary["report"]
        record.update(version_dir=summary.get("version_dir"), onnx=_onnx_path(model, folder, checkpoint),
                      parity=summarize_parity(report.get("parity", {}).get("rows", [])),
                      parity_passed=report.get("parity", {}).get("passed"),
                      signature=report.get("signature", {}), batch_split=report.get("batch_split"),
                      exporter=report.get("exporter"), stage_seconds=report.get("stage_seconds"),
                      warnings=report.get("warnings", []))
    else:
        record["error"] = summary.get("message") or last_error_line(done.stderr) or f"exit code {code}"
        record["error_kind"] = summary.get("error")
        rows = parse_parity_table(done.stderr)
        if rows:
            record["parity"] = summarize_parity(rows)
    return record


def _shown(command: list[str]) -> str:
    return " ".join(command[1:]).replace(str(ROOT) + "/", "")


def _onnx_path(model: ZooModel, folder: Path, checkpoint: dict) -> str:
    """The ONNX our SavedModel was translated from (ONNX Runtime's side of the latency)."""
    kept = folder / "onnx" / f"{model.name}.onnx"
    return str(kept if kept.is_file() else checkpoint["checkpoint"])


def parse_child_stdout(stdout: str) -> tuple[dict, dict]:
    """convert --json prints a JSON summary, then convert_child.py one BENCH_RESULT line."""
    text, _, bench = stdout.partition("BENCH_RESULT ")
    try:
        summary = json.loads(text.strip()) if text.strip() else {}
    except json.JSONDecodeError:
        summary = {}
    try:
        bench_dict = json.loads(bench.splitlines()[0]) if bench else {}
    except (json.JSONDecodeError, IndexError):
        bench_dict = {}
    return summary, bench_dict


def last_error_line(stderr: str) -> str:
    """The one line that says what went wrong: the CLI's `error:` line, else the last exception line."""
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    for prefix in ("error:", "internal error:"):
        found = [line for line in lines if line.startswith(prefix)]
        if found:
            return found[-1]
    exceptions = [line for line in lines if re.match(r"^[\w.]+(Error|Exception)\b", line)]
    return (exceptions or lines or [""])[-1][:500]


def parse_parity_table(stderr: str) -> list[dict]:
    rows = []
    for line in (stderr or "").splitlines():
        match = _TABLE_ROW.match(line)
        if match:
            batch, inputs, reference, output, shape, max_abs, max_rel, ok = match.groups()
            try:
                rows.append({"batch": int(batch), "inputs": inputs, "reference": reference, "output": output,
                             "max_abs": float(max_abs), "max_rel": float(max_rel), "passed": ok == "yes"})
            except ValueError:
                continue
    return rows


def summarize_parity(rows: list[dict]) -> dict:
    """Worst max abs / max rel per reference over all rows (batch sizes, input sets, outputs)."""
    summary: dict = {}
    for row in rows:
        entry = summary.setdefault(row["reference"], {"max_abs": 0.0, "max_rel": 0.0, "rows": 0, "failed": 0,
                                                      "batches": []})
        entry["max_abs"] = max(entry["max_abs"], float(row["max_abs"]))
        entry["max_rel"] = max(entry["max_rel"], float(row["max_rel"]))
        entry["rows"] += 1
        entry["failed"] += 0 if row.get("passed", True) else 1
        if row["batch"] not in entry["batches"]:
            entry["batches"].append(row["batch"])
        if row.get("noise_floor") is not None:
            entry["noise_floor"] = max(entry.get("noise_floor", 0.0), float(row["noise_floor"]))
    for entry in summary.values():
        entry["batches"].sort()
    return summary
