"""Child process of the serving load check: `run_request`, run by converter/child.py.

Runs in a fresh interpreter that never imports TensorFlow's Python layer: checks the ops against
TF's C++ op registry, loads the version folder with TF_LoadSessionFromSavedModel (tags "serve"),
runs the requested signatures by the tensor names in the returned MetaGraphDef, and returns the
findings, with the outputs in outputs.npz in the scratch folder. The parent compares numbers; this
file only runs.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from converter.child import ChildContext
from converter.serving import capi, op_check

INIT_OP_SIGNATURE = "__saved_model_init_op"


def _serve_meta_graph(version_dir: Path):
    """The MetaGraphDef tagged exactly {"serve"}, read from saved_model.pb before loading."""
    from google.protobuf.message import DecodeError
    protos = capi.import_tf_protos()
    try:
        saved_model = protos.saved_model.SavedModel.FromString((version_dir / "saved_model.pb").read_bytes())
    except DecodeError as err:
        raise ValueError(f"saved_model.pb is not a SavedModel proto ({err}); re-export the version") from err
    for meta_graph in saved_model.meta_graphs:
        if set(meta_graph.meta_info_def.tags) == {"serve"}:
            return meta_graph
    tags = [sorted(m.meta_info_def.tags) for m in saved_model.meta_graphs]
    raise LookupError(f"no MetaGraph tagged ['serve'] (found {tags}); TF Serving loads only tags 'serve'")


def _describe_signature(signature) -> dict:
    def spec(info):
        dims = [d.size for d in info.tensor_shape.dim] if not info.tensor_shape.unknown_rank else None
        return {"name": info.name, "dtype": info.dtype, "shape": dims}
    return {"inputs": {k: spec(v) for k, v in signature.inputs.items()},
            "outputs": {k: spec(v) for k, v in signature.outputs.items()},
            "method_name": signature.method_name}


def _run_one(session, signature, feeds: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], float]:
    missing = sorted(set(signature.inputs) - set(feeds))
    if missing:
        raise KeyError(f"no feed for input(s) {', '.join(missing)}")
    keys = sorted(signature.outputs)
    start = time.perf_counter()
    values = session.run({signature.inputs[k].name: feeds[k] for k in signature.inputs},
                         [signature.outputs[k].name for k in keys])
    return dict(zip(keys, values)), time.perf_counter() - start


def warm_up() -> None:
    """What a serving worker (converter/workers.py) does before its first request: load libtensorflow_cc
    and read TF's C++ op registry."""
    capi.registered_op_names()


def run_request(request: dict, context: ChildContext) -> dict:
    workdir = context.scratch
    version_dir = Path(request["version_dir"])
    result = {"ops": {}, "problems": [], "warnings": [], "signatures": {}, "runs": [], "load_error": None}
    try:
        meta_graph = _serve_meta_graph(version_dir)
    except (OSError, LookupError, ValueError) as err:
        result["bad_input"] = f"{version_dir}: {err}"
        return result
    result["tensorflow_version"] = meta_graph.meta_info_def.tensorflow_version
    result["ops"], result["problems"], result["warnings"] = op_check.check_ops(
        meta_graph, capi.registered_op_names(), request.get("serving_version"))
    start = time.perf_counter()
    try:
        session = capi.SavedModelSession(version_dir, intra_op_threads=request.get("threads", 0))
    except Exception as err:  # noqa: BLE001 - the load failure is the finding; report it as one line
        result["load_error"] = str(err)
        return result
    result["load_seconds"] = time.perf_counter() - start
    feed_archive = np.load(workdir / "feeds.npz", allow_pickle=True)   # our own file; strings are object arrays
    outputs = {}
    with session:
        signatures = {k: v for k, v in session.meta_graph.signature_def.items() if k != INIT_OP_SIGNATURE}
        result["signatures"] = {k: _describe_signature(v) for k, v in signatures.items()}
        for index, run in enumerate(request["runs"]):
            feeds = {name.split("/", 1)[1]: feed_archive[name] for name in feed_archive.files
                     if name.split("/", 1)[0] == str(run["feed_set"])}
            for name in run["signatures"] or sorted(signatures):
                entry = {"run": index, "signature": name, "error": None}
                if name not in signatures:
                    entry["error"] = f"signature {name!r} not in the loaded MetaGraph (has {sorted(signatures)})"
                else:
                    try:
                        values, entry["seconds"] = _run_one(session, signatures[name], feeds)
                        outputs.update({f"{index}/{name}/{k}": v for k, v in values.items()})
                    except Exception as err:  # noqa: BLE001 - one line per failed run, the parent decides
                        entry["error"] = str(err).replace("\n", " ")
                        entry["code"] = getattr(err, "code", None)      # TF status code (3: INVALID_ARGUMENT)
                result["runs"].append(entry)
    np.savez(workdir / "outputs.npz", **outputs)
    result["python_tensorflow_imported"] = "tensorflow.python" in sys.modules  # must stay False
    return result

