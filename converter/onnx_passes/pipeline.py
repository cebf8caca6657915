"""The ordered list of graph rewrites between export and translation, with an op-count diff per pass."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import onnx
import onnx_ir as ir
from onnx_ir.passes.common import LiftConstantsToInitializersPass, RemoveUnusedNodesPass

from converter.config import ConversionConfig
from converter.errors import UnsupportedModelError, typed_first_line
from converter.onnx_nodes import op_histogram
from converter.onnx_passes.cancel_transposes import CancelTransposesPass
from converter.onnx_passes.convert_to_nhwc import ConvertToNhwcPass
from converter.onnx_passes.drop_padding_taps import DropPaddingTapsPass
from converter.onnx_passes.explicit_padding import ExplicitPaddingPass
from converter.onnx_passes.fold_activation_scale import FoldActivationScalePass
from converter.onnx_passes.fold_batch_norm import FoldBatchNormIntoConvPass
from converter.onnx_passes.fold_batch_norm_into_linear import FoldBatchNormIntoLinearPass
from converter.onnx_passes.fold_layer_norm_affine import FoldLayerNormAffinePass
from converter.onnx_passes.fold_shape_arithmetic import FoldShapeArithmeticPass
from converter.onnx_passes.fold_transpose_into_matmul import FoldTransposeIntoMatMulPass
from converter.onnx_passes.fold_weight_computations import FoldWeightComputationsPass
from converter.onnx_passes.fuse_gelu import FuseGeluPass
from converter.onnx_passes.fuse_linear_layer import FuseLinearLayerPass
from converter.onnx_passes.fuse_residual_add import FuseResidualAddPass
from converter.onnx_passes.fuse_swish import FuseSwishPass
from converter.onnx_passes.group_norm_as_layer_norm import GroupNormAsLayerNormPass
from converter.onnx_passes.expose_nhwc_inputs import ExposeNhwcInputsPass
from converter.onnx_passes.make_batch_dynamic import MakeBatchDynamicPass
from converter.onnx_passes.merge_parallel_convs import MergeParallelConvsPass
from converter.onnx_passes.patch_conv_as_matmul import PatchConvAsMatMulPass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PassRecord:
    name: str
    modified: bool
    op_count_diff: dict[str, int]      # op type -> change in node count (only non-zero entries)

    def summary(self) -> str:
        if not self.op_count_diff:
            return f"{self.name}: {'no op count change' if self.modified else 'nothing to do'}"
        return f"{self.name}: " + ", ".join(f"{op} {d:+d}" for op, d in sorted(self.op_count_diff.items()))


def canonical_passes(config: ConversionConfig) -> list[ir.passes.PassBase]:
    """Passes whose result is still plain ONNX: ONNX Runtime runs it as the verification reference."""
    return [
        # Every graph input/output gets a symbolic batch; Reshape targets pinned to the example batch are freed.
        MakeBatchDynamicPass(extra_axes=config.dynamic_axes),
        # Constants orphaned by the rewrites above.
        RemoveUnusedNodesPass(),
    ]


def translation_passes(config: ConversionConfig) -> list[ir.passes.PassBase]:
    """Passes that shape the graph for TensorFlow (may introduce converter.nhwc and converter.fused ops)."""
    passes: list[ir.passes.PassBase] = [
        # Shape arithmetic the static sizes already fix (reshape targets, resize sizes) is done once here
        # instead of on every request; Resize then names the axes it changes.
        FoldShapeArithmeticPass(),
        # A one-group GroupNorm (flatten, InstanceNormalization, unflatten) becomes one LayerNormalization over
        # all non-batch axes, which the layout passes move transposes through. After the shape folding.
        GroupNormAsLayerNormPass(),
        # Large Constant nodes (some exporters put weights there) become initializers, so the translator
        # keeps them in tf.Variables rather than inside saved_model.pb (the 2 GB protobuf limit).
        LiftConstantsToInitializersPass(size_limit=256),
        # Nodes computing from weights alone (weight norm, relative-position tables, logit_scale.exp()) are
        # evaluated once: TF cannot fold them (tf.Variables) and would run them per request. Before the
        # BatchNorm folds and the layout passes, which then see a computed conv weight as an initializer.
        FoldWeightComputationsPass(),
        # Inference BatchNormalization after a Conv folds into its weights: TF then fuses
        # Conv + bias (+ residual Add) + Relu into one kernel.
        FoldBatchNormIntoConvPass(),
        # The same for a BatchNorm over a linear layer's features (Linear -> BatchNorm1d, LeViT's flattened
        # tokens): otherwise TF normalises on every request. Before FuseLinearLayerPass, which takes the bias in.
        FoldBatchNormIntoLinearPass(),
        # Summed convolutions of one input (RepVGG / MobileOne / FastViT branches saved in training form)
        # become one. After the BatchNorm folds (each branch's norm in its conv), before ExplicitPaddingPass
        # (which would give a strided branch its own padded input).
        MergeParallelConvsPass(),
        # Kernel taps that read only padding (a dilation reaching past the input) are cut from the kernel.
        DropPaddingTapsPass(),
        # Pads TF's SAME/VALID cannot express become explicit Pad nodes (exact PyTorch numbers).
        ExplicitPaddingPass(),
    ]
    if config.io_layout != "nhwc":     # a channels-last image keeps its convolution
        # A patch embedding (stride = kernel, on the image) becomes a transpose into patches and a linear
        # layer: neither TF kernel family runs the large-kernel Conv2D well. Before FuseLinearLayerPass.
        passes.append(PatchConvAsMatMulPass())
    passes += [
        # GELU spelled out in elementwise ops (exports below opset 20) becomes one converter.fused::Gelu;
        # its constants are dropped after.
        FuseGeluPass(),
        # Swish (SiLU), Mul(x, Sigmoid(x)), becomes one converter.fused::Swish, run in the form its size calls
        # for (oneDNN's _MklSwish costs 60-150 us per call). Before FuseLinearLayerPass, which takes Sigmoids in.
        FuseSwishPass(),
        # A linear layer over tokens, MatMul (+ bias Add) (+ Relu/Sigmoid/Tanh/Gelu), becomes one
        # converter.fused::Linear, which TF runs as one fused MatMul + BiasAdd + activation kernel.
        # After FuseGeluPass, whose Gelu it takes in.
        FuseLinearLayerPass(),
        # A LayerNormalization that only feeds linear layers (pre-norm transformers, ConvNeXt) hands its scale
        # and bias to their weights: two passes over the activation fewer per request. After FuseLinearLayerPass.
        FoldLayerNormAffinePass(),
        FoldActivationScalePass(),
        RemoveUnusedNodesPass(),
    ]
    if config.optimize_layout:     # else (--no-layout-pass) each conv/pool handler transposes for itself
        passes += _layout_passes()
        if config.io_layout == "nhwc":
            # Image inputs published channels-last; names recorded in metadata (exposed_nhwc_inputs reads them).
            passes.append(ExposeNhwcInputsPass())
    # A Transpose swapping the last two axes of a product's operand (attention's key) becomes the product's
    # flag, converter.fused::MatMul: no transpose runs. Last: the layout passes may leave one there.
    passes.append(FoldTransposeIntoMatMulPass())
    return passes


def _layout_passes() -> list[ir.passes.PassBase]:
    return [
        # Conv/pool/norm ops run channels-last, as TF's CPU kernels want; conv weights re-laid out once.
        ConvertToNhwcPass(),
        # Transposes pushed through layout-agnostic ops and cancelled in pairs: they remain only at
        # region borders (the report's Transpose count shows it).
        CancelTransposesPass(),
        # An Add onto a channels-last convolution's output, of the same static shape (a residual block),
        # becomes converter.fused::ResidualAdd: TF folds its AddN into the convolution. After the layout
        # passes, which leave the Add reading the convolution directly.
        FuseResidualAddPass(),
    ]


def run_passes(model: onnx.ModelProto, config: ConversionConfig, external_data_dir: str = ""
               ) -> tuple[onnx.ModelProto, onnx.ModelProto, list[PassRecord]]:
    """Returns (reference model: canonical ONNX, model to translate, what each pass changed).
    External tensors stay external references (read from `external_data_dir` only if a pass needs them)."""
    reference, records = apply_passes(model, canonical_passes(config), external_data_dir)
    if config.backend != "native":       # other backends do not know our custom-domain ops
        return reference, reference, records
    translated, more_records = apply_passes(reference, translation_passes(config), external_data_dir)
    return reference, translated, records + more_records


def apply_passes(model: onnx.ModelProto, passes: list[ir.passes.PassBase], external_data_dir: str = ""
                 ) -> tuple[onnx.ModelProto, list[PassRecord]]:
    """Apply `passes` in order; return the rewritten model and what each pass changed."""
    try:
        ir_model = ir.serde.deserialize_model(model)
    except ir.serde.SerdeError as error:   # fields onnx.checker accepts but onnx_ir cannot read
        raise UnsupportedModelError(f"the graph rewriter cannot read this ONNX model: {_root_cause(error)}") from None
    if external_data_dir:
        ir.external_data.set_base_dir(ir_model.graph, external_data_dir)
    records = []
    for graph_pass in passes:
        before = op_histogram(ir_model)
        result = graph_pass(ir_model)
        ir_model = result.model
        diff = {op: n for op, n in (op_histogram(ir_model) - before).items()}
        diff.update({op: -n for op, n in (before - op_histogram(ir_model)).items()})
        record = PassRecord(type(graph_pass).__name__, result.modified, diff)
        logger.info("%s", record.summary())
        records.append(record)
    try:
        return ir.serde.serialize_model(ir_model), records
    except ir.serde.SerdeError as error:   # e.g. metadata keys that are not valid UTF-8 in a corrupt file
        raise UnsupportedModelError(f"the graph rewriter cannot write this ONNX model back: {_root_cause(error)}; "
                                    "check the file is not corrupt (re-export it)") from None


def _root_cause(error: BaseException) -> str:
    while error.__cause__ is not None:
        error = error.__cause__
    return typed_first_line(error)
