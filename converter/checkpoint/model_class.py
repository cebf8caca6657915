"""Import `--model-class module:Class` from `--model-path` and build it with `--model-kwargs`."""
from __future__ import annotations

import importlib
import inspect
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

from converter.errors import BadInputError

logger = logging.getLogger(__name__)


@contextmanager
def importable_from(model_path: Path) -> Iterator[str]:
    """--model-path on sys.path while the user's model code is imported (and while a trusted pickle
    names its classes), then sys.path as it was. The one place the library touches sys.path: a model
    module may import its sibling modules, which only a sys.path entry makes work. The modules imported
    meanwhile stay in sys.modules (the model's classes live there); an import the model defers to its
    forward() must find its module installed or on PYTHONPATH."""
    search_dir = str(Path(model_path).resolve())
    added = search_dir not in sys.path
    if added:
        sys.path.insert(0, search_dir)
    try:
        yield search_dir
    finally:
        if added and search_dir in sys.path:
            sys.path.remove(search_dir)
            sys.path_importer_cache.pop(search_dir, None)


def _import_module(module_name: str, model_path: Path, spec: str):
    with importable_from(model_path) as search_dir:
        try:
            return importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
                raise BadInputError(f"--model-class {spec}: module {module_name!r} not found in --model-path "
                                    f"{search_dir} or the installed packages") from None
            raise BadInputError(f"--model-class {spec}: importing {module_name!r} failed because it imports "
                                f"the missing module {exc.name!r}; install it") from None
        except Exception as exc:   # noqa: BLE001 - user code may raise anything at import time
            raise BadInputError(f"--model-class {spec}: importing {module_name!r} raised "
                                f"{type(exc).__name__}: {exc}") from None


def import_model_class(spec: str | None, model_path: Path) -> type:
    """The nn.Module subclass named by `module:Class` (dotted attribute paths allowed after ':')."""
    if not spec:
        raise BadInputError("a state_dict checkpoint holds only weights: pass --model-class module:Class "
                            "(and --model-path DIR where that module lives)")
    module_name, sep, attr_path = spec.partition(":")
    if not sep or not module_name or not attr_path:
        raise BadInputError(f"--model-class {spec!r}: expected module:Class, e.g. mypkg.nets:ResNet")
    target = _import_module(module_name, model_path, spec)
    for part in attr_path.split("."):
        if not hasattr(target, part):
            candidates = [name for name, obj in vars(target).items()
                          if inspect.isclass(obj) and issubclass(obj, torch.nn.Module)]
            hint = f"; nn.Module classes there: {', '.join(sorted(candidates))}" if candidates else ""
            raise BadInputError(f"--model-class {spec}: {module_name!r} has no attribute {part!r}{hint}")
        target = getattr(target, part)
    if not (inspect.isclass(target) and issubclass(target, torch.nn.Module)):
        raise BadInputError(f"--model-class {spec}: {attr_path} is a {type(target).__name__}, "
                            f"not a torch.nn.Module subclass")
    return target


def build_model(spec: str | None, model_path: Path, kwargs: dict) -> torch.nn.Module:
    """Instantiate the model class; a constructor that refuses the kwargs is a BadInputError."""
    with importable_from(model_path):     # a constructor may import sibling modules too
        cls = import_model_class(spec, model_path)
        try:
            return cls(**kwargs)
        except Exception as exc:   # noqa: BLE001 - the constructor is user code
            raise BadInputError(f"--model-kwargs {kwargs!r}: {spec}(...) refused them: "
                                f"{type(exc).__name__}: {exc}") from None
