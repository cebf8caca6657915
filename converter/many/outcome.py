"""What became of each entry, the summary table and JSON, and the run's exit code."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

# exit class of each `torch2serving convert` exit code; a worker that died or ran out of time has its own
EXIT_CLASSES = {0: "ok", 1: "parity", 2: "bad-input", 3: "unsupported", 4: "internal"}
CRASHED, TIMEOUT, NOT_RUN = "crashed", "timeout", "not-run"
PROCESS_EXIT_CODE = 4          # what a crash or timeout counts as in the run's exit code
INTERRUPTED_EXIT_CODE = 130


@dataclass(frozen=True)
class Outcome:
    entry: int                          # 1-based manifest position
    model: str
    exit_class: str                     # ok, parity, bad-input, unsupported, internal, crashed, timeout, not-run
    exit_code: int                      # what `torch2serving convert` exits with for it (crash/timeout: 4)
    seconds: float | None = None        # the conversion's wall time in its worker
    version: int | None = None
    version_dir: str | None = None
    parity_max_abs: float | None = None  # worst |SavedModel - reference| over every compared output
    worker: int | None = None
    message: str = ""                   # the error (one line per cause), "" when published

    @property
    def ok(self) -> bool:
        return self.exit_class == "ok"

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class WorkerRecord:
    """One worker process: when it was ready, and the seconds of each conversion it ran, in order."""
    worker: int
    pid: int
    startup_seconds: float | None = None      # spawn -> TensorFlow, torch and the pipeline imported
    conversions: list[dict] = field(default_factory=list)    # {"entry", "model", "seconds", "exit_class"}
    exit: str = ""                            # how it ended, when it did not end by being told to


def outcome_from_worker(entry: int, model: str, worker: int, result: dict) -> Outcome:
    """The worker's result message -> Outcome."""
    code = int(result.get("exit_code", 4))
    return Outcome(entry, model, EXIT_CLASSES.get(code, "internal"), code, result.get("seconds"),
                   result.get("version"), result.get("version_dir"), result.get("parity_max_abs"), worker,
                   result.get("message", ""))


def run_exit_code(outcomes: list[Outcome], interrupted: bool = False) -> int:
    """0 when every entry was published; 130 after Ctrl-C; else the highest exit code among the failed
    entries (a crashed or timed-out worker counts as 4)."""
    if interrupted:
        return INTERRUPTED_EXIT_CODE
    return max((o.exit_code for o in outcomes if not o.ok), default=0)


def counts(outcomes: list[Outcome]) -> dict[str, int]:
    published = sum(o.ok for o in outcomes)
    not_run = sum(o.exit_class == NOT_RUN for o in outcomes)
    return {"entries": len(outcomes), "published": published, "failed": len(outcomes) - published - not_run,
            "not_run": not_run}


def summary_dict(outcomes: list[Outcome], workers: list[WorkerRecord], *, seconds: float, shard: str,
                 interrupted: bool = False) -> dict:
    code = run_exit_code(outcomes, interrupted)
    return {"status": "published" if code == 0 else "interrupted" if interrupted else "failed",
            "exit_code": code, "shard": shard, "seconds": round(seconds, 3), **counts(outcomes),
            "models": [o.as_dict() for o in sorted(outcomes, key=lambda o: o.entry)],
            "workers": [asdict(w) for w in workers]}


def summary_table(outcomes: list[Outcome]) -> str:
    header = f"{'entry':>5}  {'model':<24} {'version':>7}  {'result':<11} {'parity max abs':>14} {'seconds':>8}  error"
    lines = [header, "-" * len(header)]
    for o in sorted(outcomes, key=lambda o: o.entry):
        version = str(o.version) if o.version is not None else "-"
        parity = f"{o.parity_max_abs:.3g}" if o.parity_max_abs is not None else "-"
        seconds = f"{o.seconds:.1f}" if o.seconds is not None else "-"
        error = o.message.strip().splitlines()[0][:160] if o.message.strip() else ""
        lines.append(f"{o.entry:>5}  {o.model[:24]:<24} {version:>7}  {o.exit_class:<11} {parity:>14} "
                     f"{seconds:>8}  {error}".rstrip())
    total = counts(outcomes)
    not_run = f", {total['not_run']} not run" if total["not_run"] else ""
    lines.append(f"{total['published']} of {total['entries']} published, {total['failed']} failed{not_run}")
    return "\n".join(lines)
