"""The one list of official ONNX backend test cases we do not run, each with its reason.

Keys are regular expressions matched (re.search) against test names such as `test_adam_cpu`.
Keep entries grouped by reason and by the section of the op family. Coverage targets (issue 3):
at most 10% of node cases excluded; at least 95% of the remaining node cases pass; every `light`
model passes (squeezenet's Softmax of equal logits is checked before the Softmax instead).
"""

EXCLUSIONS: dict[str, str] = {
    # -- not meaningful for a CPU inference backend --
    r"_cuda$": "CUDA device variants: this backend runs on CPU (TF Serving CPU build)",
    # -- training-only ops --
    r"^test_(adagrad|adam|momentum|nesterov_momentum)": "training-only optimizer ops (ai.onnx.preview.training)",
    r"^test_training_dropout(?!_zero_ratio)": "training-mode Dropout draws random masks whose values cannot match (ratio 0 is deterministic and runs)",
    # -- elementwise / math / logic / cast family --
    r"^test_cast(like)?_(no_saturate_)?\w*FNUZ": "TF has float8_e4m3fnuz/e5m2fnuz dtypes but no Cast (or any other) CPU kernel for them",
    r"^test_cast(like)?_\w*FLOAT4E2M1": "TF has a float4_e2m1fn dtype but no Cast (or any other) CPU kernel for it",
    r"^test_cast(like)?_(.*_)?U?INT2_": "TF has int2/uint2 dtypes but no Cast (or any other) CPU kernel for them",
    r"^test_cast_e8m0_": "TF has no float8e8m0 dtype",
    r"^test_bernoulli": "Bernoulli draws random values: TF's draws cannot equal the reference's, even with a seed",
    # -- tensor manipulation / indexing / sequence / string family --
    r"^test_affine_grid_2d(_align_corners)?_expanded": "the function body Squeezes without axes a tensor whose "
        "batch dim comes out of an If (known only at run time), so its output rank is data-dependent, which a "
        "TF graph cannot express; the AffineGrid op itself passes (test_affine_grid_2d*)",
    # -- nn: matmul / norm / reduce / softmax / rnn / attention family --
    # -- spatial: conv / pool / layout family --
    r"^test_squeezenet_cpu$": "light squeezenet's constant weights make all 1000 logits equal at ~9.5e9; the suite "
                              "compares their Softmax, i.e. a few float32 ulps of per-channel rounding amplified to "
                              "0.12 (passes with oneDNN's kernels, not Eigen's); the logits are checked to 1e-6 "
                              "relative instead: tests/conformance/test_light_squeezenet.py",
    # -- control flow / quantization / signal / misc family --
    r"^test_loop16_seq_none_": "onnx runner bug: assert_similar_outputs recurses into sequence elements as if "
                               "they were output lists and calls len() on the 0-d first element (any backend fails; "
                               "our output equals the expected one: tests/tf_ops/test_op_control_flow.py)",
    r"^test_(de)?quantizelinear_(u?int4|u?int2|float4e2m1)_": "int4/uint4 tensors have no TF cast kernel; "
                                                             "int2/uint2/float4e2m1 have no TF dtype",
    r"^test_dft_inverse(_opset19)?_": "reference data carries numpy float32 FFT round-off (1.9e-7 at bins whose "
                                      "exact value is 0) above the suite's atol 1e-7; we compute in float64",
    r"^test_image_decoder_decode_(jpeg2k|pnm|tiff)_": "TF has no JPEG 2000 / PNM / TIFF decoder",
}
