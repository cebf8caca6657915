"""PyTorch checkpoint -> ONNX -> TensorFlow SavedModel for TF Serving, with verified parity.

Stages (one package each): checkpoint, export, onnx_passes, tf_ops, savedmodel, publish, verify, serving.
`converter.pipeline.convert` strings them together.
"""
