"""Checkpoint format detection from the file's contents (zip members, magic bytes), never by running it."""
from __future__ import annotations

import io
import logging
import pickletools
import zipfile
from pathlib import Path

from converter.errors import BadInputError

logger = logging.getLogger(__name__)

ZIP_MAGIC = b"PK\x03\x04"
PICKLE_PROTO = 0x80
# Globals a tensor-only torch.save file references (rebuild functions, storages, dtypes, OrderedDict).
# Detection only picks the loader: safety comes from torch.load(weights_only=True) itself.
_TENSOR_GLOBAL_PREFIXES = ("torch.", "collections.OrderedDict")
_OBJECT_GLOBAL_PREFIXES = ("torch.nn.modules.", "torch.jit.", "torch.package.", "torch.fx.", "torch.optim.")
_TENSOR_GLOBAL_NAMES = {"builtins.set", "__builtin__.set", "builtins.slice", "builtins.bytearray",
                        "builtins.complex"}


def check_readable(path: Path) -> None:
    if not path.exists():
        raise BadInputError(f"checkpoint {path}: file not found")
    if not path.is_file():
        raise BadInputError(f"checkpoint {path}: not a file")
    if path.stat().st_size == 0:
        raise BadInputError(f"checkpoint {path}: the file is empty")


def zip_members(path: Path) -> list[str]:
    """Member names with the archive's top folder stripped (torch writes `<stem>/data.pkl` etc.)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadInputError(f"checkpoint {path}: zip archive is truncated or corrupt ({exc}); re-save it") from None
    return [name.split("/", 1)[1] if "/" in name else name for name in names]


def pickle_globals(data: bytes, max_pickles: int = 4) -> list[str]:
    """`module.name` of every global the pickle stream(s) reference, read with pickletools (no execution).

    Legacy torch.save files are several pickles in a row followed by raw storage bytes, so
    up to `max_pickles` are scanned and scanning stops quietly at the first unreadable one.
    """
    found: list[str] = []
    stream = io.BytesIO(data)
    for _ in range(max_pickles):
        strings: list[str] = []
        try:
            for opcode, arg, _pos in pickletools.genops(stream):
                if opcode.name in ("GLOBAL", "INST"):
                    found.append(str(arg).replace(" ", "."))
                elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
                    found.append(f"{strings[-2]}.{strings[-1]}")
                elif isinstance(arg, str):
                    strings.append(arg)
        except Exception:   # noqa: BLE001 - raw storage bytes or garbage after the last pickle
            break
        if stream.tell() >= len(data):
            break
    return found


def object_globals(globals_: list[str]) -> list[str]:
    """The globals that a weights-only load would refuse (classes, functions: code to run)."""
    def is_tensor_global(name: str) -> bool:
        return name in _TENSOR_GLOBAL_NAMES or (name.startswith(_TENSOR_GLOBAL_PREFIXES)
                                                 and not name.startswith(_OBJECT_GLOBAL_PREFIXES))
    return sorted({name for name in globals_ if not is_tensor_global(name)})


def torch_save_pickle(path: Path) -> bytes:
    """The object pickle of a torch.save file: `data.pkl` of the zip format, or the legacy stream head."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head == ZIP_MAGIC:
        with zipfile.ZipFile(path) as archive:
            name = next(n for n in archive.namelist() if n.endswith("data.pkl"))
            return archive.read(name)
    with path.open("rb") as handle:
        return handle.read(64 * 1024 * 1024)


def _zip_format(path: Path) -> str:
    members = set(zip_members(path))
    if any(m.startswith("models/") and m.endswith(".json") for m in members) or "archive_format" in members:
        return "exported_program"
    if "constants.pkl" in members or any(m.startswith("code/") for m in members):
        return "torchscript"
    if ".data/extern_modules" in members:
        return "torch_package"
    if "data.pkl" in members:
        return "pickled_module" if object_globals(pickle_globals(torch_save_pickle(path))) else "state_dict"
    raise BadInputError(f"checkpoint {path}: a zip archive but not one PyTorch writes "
                        f"(no data.pkl, code/, models/ or .data/); pass a torch.save/jit/export file or .onnx")


def _looks_like_onnx(path: Path) -> bool:
    import onnx
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception:   # noqa: BLE001 - any parse failure means "not ONNX"
        return False
    return model.ir_version > 0 and len(model.opset_import) > 0 and model.HasField("graph")


def detect_format(path: Path) -> str:
    """One of config.CHECKPOINT_FORMATS except "auto"; BadInputError when nothing fits."""
    check_readable(path)
    with path.open("rb") as handle:
        head = handle.read(4)
    if head == ZIP_MAGIC:
        return _zip_format(path)
    if head[:1] == bytes([PICKLE_PROTO]):
        globals_ = pickle_globals(torch_save_pickle(path))
        if globals_ or head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
            return "pickled_module" if object_globals(globals_) else "state_dict"
    if _looks_like_onnx(path):
        return "onnx"
    raise BadInputError(f"checkpoint {path}: not a recognised checkpoint (not a PyTorch zip/pickle, not ONNX; "
                        f"starts with {head!r}); the file may be truncated or corrupt")
