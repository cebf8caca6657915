"""Run scripts/convert.py with the given arguments in this process, then print one line
`BENCH_RESULT {"exit_code": .., "peak_rss_mb": ..}` (peak resident memory of the conversion,
child processes included). The benchmark starts one of these per conversion."""
import json
import resource
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    sys.path.insert(0, str(ROOT))
    sys.argv = ["convert.py", *sys.argv[1:]]
    code = 0
    try:
        runpy.run_path(str(ROOT / "scripts" / "convert.py"), run_name="__main__")
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print("BENCH_RESULT " + json.dumps({"exit_code": code, "peak_rss_mb": round(peak_kb / 1024, 1)}), flush=True)


if __name__ == "__main__":
    main()
