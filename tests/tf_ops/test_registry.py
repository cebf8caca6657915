"""The registry treats "" and "ai.onnx" as one domain, whichever spelling registers or looks up."""
from __future__ import annotations

import pytest

from converter.tf_ops.registry import OpRegistry


def _handler(ctx, node):
    return []


@pytest.mark.parametrize("registered_as", ["", "ai.onnx"])
@pytest.mark.parametrize("looked_up_as", ["", "ai.onnx"])
def test_default_domain_has_two_spellings(registered_as, looked_up_as):
    registry = OpRegistry()
    registry.register("Clip", since=11, domain=registered_as, handler=_handler)
    found = registry.lookup("Clip", 13, looked_up_as)
    assert found is not None and found.handler is _handler and found.domain == ""
    assert registry.versions("Clip", looked_up_as) == [11]
    assert registry.op_types(looked_up_as) == ["Clip"]


def test_both_spellings_are_one_registration():
    registry = OpRegistry()
    registry.register("Clip", since=11, handler=_handler)
    with pytest.raises(ValueError, match="registered twice"):
        registry.register("Clip", since=11, domain="ai.onnx", handler=_handler)


def test_override_with_either_spelling_replaces_the_handler():
    registry = OpRegistry()
    registry.register("Relu", since=14, handler=_handler)

    def replacement(ctx, node):
        return [None]
    registry.override("Relu", 14, replacement, domain="ai.onnx")
    assert registry.lookup("Relu", 14).handler is replacement
    assert registry.versions("Relu") == [14]


def test_other_domains_stay_apart():
    registry = OpRegistry()
    registry.register("Gelu", since=1, domain="converter.fused", handler=_handler)
    assert registry.lookup("Gelu", 1, "converter.fused") is not None
    assert registry.lookup("Gelu", 1) is None and registry.lookup("Gelu", 1, "ai.onnx") is None
