"""convert-many: a manifest of conversions run by a pool of long-lived workers (docs/convert-many.md).

    manifest.py  the YAML/JSON manifest -> validated entries (every entry parsed by convert's own parser)
    shard.py     --shard I/N: the deterministic slice of the manifest one machine converts
    schedule.py  which entry a free worker takes next (entries of one model in manifest order)
    worker.py    the worker process: torch and the pipeline imported once, its TensorFlow children kept, then
                 entry after entry
    pool.py      the parent's handle on one worker process (start, send, read, kill)
    runner.py    the run: workers, schedule, crashes and timeouts -> one Outcome per entry
    outcome.py   Outcome, the summary table and JSON, the run's exit code

Nothing here prints: the command (converter/cli/convert_many.py) shows progress through a RunObserver.
"""
