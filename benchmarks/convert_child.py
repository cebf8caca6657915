"""Run `torch2serving convert` with the given arguments in this process, then print one line
`BENCH_RESULT {"exit_code": .., "peak_rss_mb": ..}` (peak resident memory of the conversion,
child processes included). The benchmark starts one of these per conversion, from the project root:

    python -m benchmarks.convert_child --checkpoint ... --name ...
"""
import json
import resource
import sys

from converter.cli.convert import main as convert_main


def main() -> None:
    try:
        code = convert_main(sys.argv[1:])
    except SystemExit as stop:          # argparse's usage errors
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print("BENCH_RESULT " + json.dumps({"exit_code": code, "peak_rss_mb": round(peak_kb / 1024, 1)}), flush=True)


if __name__ == "__main__":
    main()
