"""TF Serving integration: models.config, warmup requests, batching parameters, the C API load check,
and a gRPC/REST client. Kept import-light: load_child runs here without TensorFlow's Python layer."""
