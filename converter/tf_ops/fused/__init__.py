"""Translations of the converter.fused ops that the fusion passes write (FuseGeluPass, FuseLinearLayerPass,
FuseResidualAddPass): one op where the exported graph spelled out several, translated to the TF form that
grappler fuses into one kernel. Each pass holds the knowledge of which ops belong together; each
translation here still translates its own node only."""

FUSED_DOMAIN = "converter.fused"

# The activations converter.fused::Linear takes in its `activation` attribute (Gelu with `approximate`):
# those grappler's remapper fuses into a MatMul + BiasAdd.
LINEAR_ACTIVATIONS = ("Relu", "Sigmoid", "Tanh", "Gelu")

# The factor an activation ends with, which FoldActivationScalePass moves into the weights of the linear layers
# reading it (the fused op's `scale`): exact GELU's 1/2, HardSwish's 1/6.
FOLDED_SCALES = {"Gelu": 2.0, "HardSwish": 6.0}
