"""One loader per checkpoint format: `(path, config) -> (module or onnx model, notes)`."""
from __future__ import annotations

import logging
import pickle
import zipfile
from pathlib import Path

import onnx
import torch

from converter.checkpoint.detect import object_globals, pickle_globals, torch_save_pickle
from converter.checkpoint.model_class import build_model, importable_from
from converter.checkpoint.onnx_graph import graph_problem, one_line
from converter.checkpoint.state_dict import extract_state_dict, load_into
from converter.config import ConversionConfig
from converter.errors import BadInputError, UntrustedCheckpointError, typed_first_line

logger = logging.getLogger(__name__)

TRUST_HINT = "pass --trust-checkpoint only if you trust where the file comes from"


def _untrusted(path: Path, what: str) -> UntrustedCheckpointError:
    try:
        names = object_globals(pickle_globals(torch_save_pickle(path)))
    except Exception:   # noqa: BLE001 - the names only decorate the message
        names = []
    refs = f" (references {', '.join(names[:4])}{', ...' if len(names) > 4 else ''})" if names else ""
    return UntrustedCheckpointError(f"checkpoint {path}: refused to load {what}{refs}: unpickling runs code "
                                    f"from the file; {TRUST_HINT}, or save a state_dict instead")


def _torch_load(path: Path, trust: bool, model_path: Path = Path(".")):
    """torch.load, weights_only unless trusted; every failure becomes a one-line error."""
    try:
        if trust:      # a trusted pickle imports the classes it names
            with importable_from(model_path):
                return torch.load(path, map_location="cpu", weights_only=False)
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if not trust:
            raise _untrusted(path, "pickled Python objects") from None
        raise BadInputError(f"checkpoint {path}: unpickling failed ({typed_first_line(exc)})") from None
    except (AttributeError, ImportError) as exc:   # trusted pickles name classes that must be importable
        raise BadInputError(f"checkpoint {path}: the pickled model's code is not importable ({typed_first_line(exc)}); "
                            f"point --model-path at the folder that holds it") from None
    except Exception as exc:   # noqa: BLE001 - torch raises RuntimeError/EOFError/ValueError/... for bad files
        raise BadInputError(f"checkpoint {path}: unreadable, truncated or corrupt torch.save file "
                            f"({typed_first_line(exc)})") from None


def load_state_dict(path: Path, config: ConversionConfig):
    obj = _torch_load(path, config.trust_checkpoint, config.model_path)
    if isinstance(obj, torch.nn.Module):   # only reachable with --trust-checkpoint
        return load_pickled_module_object(obj, path)
    state, notes = extract_state_dict(obj, str(path))
    model = build_model(config.model_class, config.model_path, dict(config.model_kwargs))
    notes += load_into(model, state, config.model_class)
    return model.eval(), notes


def load_pickled_module_object(obj, path: Path):
    if not isinstance(obj, torch.nn.Module):
        raise BadInputError(f"checkpoint {path}: unpickled a {type(obj).__name__}, not an nn.Module or state_dict")
    return obj.eval(), ["loaded a fully pickled nn.Module (--trust-checkpoint)"]


def load_pickled_module(path: Path, config: ConversionConfig):
    if not config.trust_checkpoint:
        raise _untrusted(path, "pickled Python objects")
    obj = _torch_load(path, trust=True, model_path=config.model_path)
    if isinstance(obj, torch.nn.Module):
        return load_pickled_module_object(obj, path)
    state, notes = extract_state_dict(obj, str(path))   # a trusted dict of weights: still usable
    model = build_model(config.model_class, config.model_path, dict(config.model_kwargs))
    return model.eval(), notes + load_into(model, state, config.model_class)


def load_torchscript(path: Path, config: ConversionConfig):
    try:
        module = torch.jit.load(str(path), map_location="cpu")
    except Exception as exc:   # noqa: BLE001 - torch raises RuntimeError/ValueError/... for bad archives
        raise BadInputError(f"checkpoint {path}: not a loadable TorchScript archive "
                            f"({typed_first_line(exc)})") from None
    return module.eval(), []


def load_exported_program(path: Path, config: ConversionConfig):
    try:
        program = torch.export.load(str(path))
    except Exception as exc:   # noqa: BLE001
        raise BadInputError(f"checkpoint {path}: not a loadable torch.export program "
                            f"({typed_first_line(exc)})") from None
    return program, []


def _package_resource(path: Path, config: ConversionConfig) -> tuple[str, str, list[str]]:
    if config.package_resource:
        package, sep, resource = config.package_resource.rpartition("/")
        if not sep or not package or not resource:
            raise BadInputError(f"--package-resource {config.package_resource!r}: expected package/resource.pkl")
        return package.replace("/", "."), resource, []
    with zipfile.ZipFile(path) as archive:
        pickles = [n.split("/", 1)[1] for n in archive.namelist()
                   if n.endswith(".pkl") and "/.data/" not in n and n.count("/") >= 2]
    if len(pickles) != 1:
        raise BadInputError(f"checkpoint {path}: torch.package archive with pickles {pickles}; "
                            f"name one with --package-resource package/resource.pkl")
    package, _, resource = pickles[0].rpartition("/")
    return package.replace("/", "."), resource, [f"loaded the only pickle in the package: {pickles[0]}"]


def load_torch_package(path: Path, config: ConversionConfig):
    if not config.trust_checkpoint:
        raise UntrustedCheckpointError(f"checkpoint {path}: refused to load a torch.package archive: it runs "
                                       f"Python code from the file; {TRUST_HINT}")
    from torch.package import PackageImporter
    package, resource, notes = _package_resource(path, config)
    try:
        obj = PackageImporter(str(path)).load_pickle(package, resource, map_location="cpu")
    except Exception as exc:   # noqa: BLE001 - arbitrary user code runs here
        raise BadInputError(f"checkpoint {path}: loading {package}/{resource} from the torch.package failed: "
                            f"{type(exc).__name__}: {exc}") from None
    if not isinstance(obj, torch.nn.Module):
        raise BadInputError(f"checkpoint {path}: {package}/{resource} is a {type(obj).__name__}, not an nn.Module")
    return obj.eval(), notes


def load_onnx(path: Path, config: ConversionConfig):
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:   # noqa: BLE001 - parser DecodeError, ...
        raise BadInputError(f"checkpoint {path}: not a readable ONNX file ({one_line(exc)})") from None
    problem = graph_problem(model)
    if problem:
        raise BadInputError(f"checkpoint {path}: invalid ONNX graph: {problem}")
    try:
        onnx.checker.check_model(str(path))   # path form: works for > 2 GB models with external data
        # types and declared shapes must agree with every op's schema (e.g. Add of float and int64)
        onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    except Exception as exc:   # noqa: BLE001 - checker raises ValidationError, InferenceError, ...
        raise BadInputError(f"checkpoint {path}: invalid ONNX model ({one_line(exc)})") from None
    if not model.graph.output:
        raise BadInputError(f"checkpoint {path}: the ONNX graph has no outputs, so there is nothing to convert; "
                            "export the model with its outputs")
    external = any(t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer)
    if not external:
        return model, []
    return model, ["the ONNX model keeps its weights in external data files beside it (not loaded in memory)"]


LOADERS = {
    "state_dict": load_state_dict,
    "pickled_module": load_pickled_module,
    "torchscript": load_torchscript,
    "exported_program": load_exported_program,
    "torch_package": load_torch_package,
    "onnx": load_onnx,
}
