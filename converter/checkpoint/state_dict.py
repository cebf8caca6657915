"""Find the state_dict inside what training loops save, and load it with a clear mismatch report."""
from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping

import torch

from converter.errors import BadInputError, typed_first_line

logger = logging.getLogger(__name__)

# Keys under which training loops nest the model weights, most specific first.
NESTED_KEYS = ("state_dict", "model_state_dict", "model", "net", "module")
_SHOWN = 3   # how many key names an error message lists per category


def _is_tensor_dict(value) -> bool:
    return isinstance(value, Mapping) and bool(value) and all(isinstance(v, torch.Tensor) for v in value.values())


def extract_state_dict(obj, source: str) -> tuple[dict, list[str]]:
    """(state_dict, notes) from a plain state_dict or a training-loop dict holding one."""
    notes: list[str] = []
    if _is_tensor_dict(obj):
        state = _rekeyed(obj, "")
    elif isinstance(obj, Mapping):
        key = next((k for k in NESTED_KEYS if _is_tensor_dict(obj.get(k))), None)
        if key is None:
            keys = ", ".join(repr(k) for k in list(obj)[:8])
            raise BadInputError(f"checkpoint {source}: a dict without model weights (keys: {keys}); expected a "
                                f"state_dict or a dict holding one under {'/'.join(NESTED_KEYS)}")
        state = _rekeyed(obj[key], "")
        notes.append(f"state_dict found under key {key!r}")
    else:
        raise BadInputError(f"checkpoint {source}: holds a {type(obj).__name__}, not a state_dict")
    if all(k.startswith("module.") for k in state):
        state = _rekeyed(state, "module.")
        notes.append("stripped the DataParallel prefix 'module.' from every key")
    return state, notes


def _rekeyed(state: Mapping, prefix: str) -> OrderedDict:
    """A copy of `state` without `prefix` on its keys that keeps torch's `_metadata` (each module's saved
    version, re-keyed the same way): modules such as BatchNorm and torchvision's MNASNet read it in
    `_load_from_state_dict`, and MNASNet refuses to load without it."""
    copy = OrderedDict((k[len(prefix):], v) for k, v in state.items())
    metadata = getattr(state, "_metadata", None)
    if metadata is not None:
        module = prefix[:-1]       # "module." -> the metadata key "module"; "" -> the root ""
        copy._metadata = OrderedDict(
            (key if not module else key[len(module):].lstrip("."), value) for key, value in metadata.items()
            if not module or key == module or key.startswith(module + "."))
    return copy


def _strip_common_prefix(state: dict, expected: Mapping) -> tuple[dict, str | None]:
    """Lightning-style `model.` prefixes: strip one shared first component if that makes the keys match."""
    prefixes = {k.split(".", 1)[0] for k in state}
    if len(prefixes) != 1 or not all("." in k for k in state):
        return state, None
    prefix = prefixes.pop() + "."
    stripped = _rekeyed(state, prefix)
    return (stripped, prefix) if set(stripped) == set(expected) else (state, None)


def _listing(label: str, names: list[str]) -> str:
    shown = ", ".join(names[:_SHOWN]) + (", ..." if len(names) > _SHOWN else "")
    return f"{len(names)} {label} ({shown})"


def load_into(model: torch.nn.Module, state: dict, class_spec: str) -> list[str]:
    """Load `state` strictly into `model`; mismatches become one BadInputError naming the keys."""
    expected = model.state_dict()
    notes: list[str] = []
    if set(state) != set(expected):
        state, prefix = _strip_common_prefix(state, expected)
        if prefix:
            notes.append(f"stripped the prefix {prefix!r} from every key")
    missing = [k for k in expected if k not in state and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in state if k not in expected]
    mismatched = [f"{k}: checkpoint {tuple(state[k].shape)} vs model {tuple(expected[k].shape)}"
                  for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    problems = [_listing(label, names) for label, names in
                (("missing keys", missing), ("unexpected keys", unexpected), ("shape mismatches", mismatched))
                if names]
    if problems:
        raise BadInputError(f"state_dict does not match {class_spec}: {'; '.join(problems)}; "
                            f"check --model-class and --model-kwargs")
    try:
        model.load_state_dict(state, strict=False)   # strictness checked above (num_batches_tracked tolerated)
    except Exception as exc:   # noqa: BLE001 - a module's own _load_from_state_dict may raise anything
        raise BadInputError(f"{class_spec} refused the state_dict in load_state_dict ({typed_first_line(exc)}); "
                            "save it with torch.save(model.state_dict()), which keeps the module versions "
                            "some models check") from None
    return notes
