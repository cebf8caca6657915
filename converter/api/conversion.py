"""converter.convert(): a model in Python -> a verified, published TF Serving version (docs/api.md)."""
from __future__ import annotations

from converter.api.inputs import input_flags, named_examples
from converter.api.options import build_config, dynamic_axis_texts
from converter.api.result import ConversionResult, read_signatures
from converter.api.sources import model_source
from converter.errors import BadInputError


def convert(model, example_inputs=None, *, name: str, serving_root="serving_models", input_names=None,
            output_names=None, dynamic_axes=None, signature: str = "serving_default",
            **options) -> ConversionResult:
    """Convert `model`, verify it against PyTorch and ONNX Runtime, and publish it as the next version of
    serving_root/name, exactly as `torch2serving convert` does.

    model: an nn.Module (also one defined inside a function), a torch.export.ExportedProgram, a ScriptModule,
        an onnx.ModelProto, or the path of a checkpoint in any format the command line reads.
    example_inputs: a tensor, a tuple of tensors (forward() order) or a dict {input name: tensor}; numpy
        arrays work too. They give each input's name, dtype and shape; dim 0 becomes the dynamic batch. An
        integer example also gives the input's value range [min, max + 1). Not needed for ONNX models.
    input_names / output_names: signature keys (default input_0..., output_0...; a dict's keys name inputs).
    dynamic_axes: more dynamic axes besides the batch, as torch.onnx takes them: {"input_ids": {1: "sequence"}}.
    options: the other convert flags, spelled as Python names with Python values, e.g. opset=17,
        verify_batch_sizes=(1, 4), model_kwargs={"depth": 18}, label={"stable": 1}, no_layout_pass=True.

    Raises the error classes of converter.errors (BadInputError, ParityError, UnsupportedModelError, ...),
    whose exit_code is what the command line exits with; nothing is published unless parity passes.
    Never configures logging: the progress lines are INFO records of the `converter` loggers.
    """
    examples = named_examples(example_inputs, input_names)
    flags = [*input_flags(examples), "--name", str(name), "--serving-root", str(serving_root),
             "--signature", str(signature)]
    for output in output_names or ():
        flags += ["--output", str(output)]
    for text in dynamic_axis_texts(dynamic_axes):
        flags += ["--dynamic-axis", text]
    with model_source(model) as source:
        if source.loaded is not None and not examples:
            raise BadInputError(f"convert(): a {type(model).__name__} needs example_inputs (a tensor or tuple of "
                                "tensors, as forward() takes them)")
        config = build_config(["--checkpoint", str(source.checkpoint), *flags], options)
        from converter.pipeline import convert as run_pipeline     # TensorFlow: only once the arguments are valid

        result = run_pipeline(config, source=source.loaded)
    return ConversionResult(result.version, result.version_dir, read_signatures(result.version_dir),
                            result.parity, result.report)


