"""Run an ONNX model through OnnxModule inside a tf.function whose input_signature has None dims."""
import numpy as np
import onnx
import tensorflow as tf

from converter.tf_ops.module import OnnxModule


def run_dynamic(model: onnx.ModelProto, feeds: dict, dynamic_shapes: dict | None = None, registry=None) -> list:
    """`dynamic_shapes` maps input name -> shape with None where the dimension is dynamic (default:
    first dimension None). Returns the outputs as numpy arrays (lists for sequences)."""
    module = OnnxModule(model, registry)
    names = list(feeds)
    signature = []
    for name in names:
        array = np.asarray(feeds[name])
        shape = (dynamic_shapes or {}).get(name, [None, *array.shape[1:]] if array.ndim else [])
        signature.append(tf.TensorSpec(shape, tf.as_dtype(array.dtype), name=name))

    @tf.function(input_signature=signature, autograph=False)
    def run(*args):
        outputs = module.run(dict(zip(names, args)))
        return [outputs[name] for name in module.output_names]

    return [_numpy(v) for v in run(*[np.asarray(feeds[n]) for n in names])]


def _numpy(value):
    if hasattr(value, "to_python_value"):
        return _numpy(value.to_python_value())
    if value is None:
        return None
    if isinstance(value, list):
        return [v.numpy() for v in value]
    return value.numpy()


def make_model(nodes, inputs, outputs, opset: int = 17, functions=()) -> onnx.ModelProto:
    graph = onnx.helper.make_graph(nodes, "test", inputs, outputs)
    imports = [onnx.helper.make_opsetid("", opset)] + [onnx.helper.make_opsetid(f.domain, 1) for f in functions]
    model = onnx.helper.make_model(graph, opset_imports=imports, functions=list(functions))
    model.ir_version = 10          # what onnxruntime (the reference in these tests) accepts
    return model
