"""Alternative translation backends. The native translator (converter.tf_ops) is the default;
`onnx_tf_backend` wraps the classic onnx-tf 1.10.0 translator (optional extra, see
requirements-onnx-tf.txt and docs/backends.md). Nothing here is imported by the default pipeline."""
