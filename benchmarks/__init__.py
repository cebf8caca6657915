"""Conversion and serving benchmarks (issue 7): `python benchmarks/run.py [--quick]`."""
