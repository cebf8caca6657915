"""Small example models and a checkpoint writer used by the demo and the tests."""
