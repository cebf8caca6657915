import sys

from benchmarks.zoo.cli import main

sys.exit(main())
