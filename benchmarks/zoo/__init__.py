"""The model zoo (issue 17): real architectures from torchvision, timm and Hugging Face transformers, saved
in the checkpoint formats users bring and converted through scripts/convert.py with its default flags.
Run it with `python -m benchmarks.zoo` (see docs/zoo.md)."""
