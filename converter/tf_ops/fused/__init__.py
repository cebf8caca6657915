"""Translations of the converter.fused ops that the fusion passes write (e.g. FuseGeluPass): one op where
the exported graph spelled out its elementwise decomposition, translated to the TF form that grappler
fuses into the preceding kernel."""

FUSED_DOMAIN = "converter.fused"
