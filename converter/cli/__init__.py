"""The command layer: `torch2serving <subcommand>` and `python -m converter <subcommand>`.

One module per subcommand (convert, verify, inspect, check_serving, predict, serve), each with
`add_arguments(parser)`, `setup(args)` (logging) and `run(args) -> exit code`; common.py holds what
they share. Only this package configures logging; the library never does.
"""
