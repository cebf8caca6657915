"""Translations of the converter.nhwc ops that ConvertToNhwcPass writes: the ONNX op of the same name,
with channels-last activations (NHWC/NDHWC) and weights already in TF order."""

NHWC_DOMAIN = "converter.nhwc"
