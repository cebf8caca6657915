"""`python -m converter SUBCOMMAND ...`: the same as the `torch2serving` command."""
import sys

from converter.cli.main import main

sys.exit(main())
