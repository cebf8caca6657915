"""TEST-ONLY model store of the stand-in server: what TF Serving's ServerCore and predict_util do.

Loads the versions a models.config serves (policy and labels applied) with TF's C API loader,
replays warmup files, resolves model specs and runs signatures with TF Serving's checks, status
codes and messages (model_servers/server_core.cc, servables/tensorflow/predict_util.cc).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import grpc
import numpy as np
from tensorflow_serving.apis import classification_pb2, get_model_metadata_pb2, get_model_status_pb2

from converter.serving.capi import SavedModelSession, TFStatusError
from converter.serving.model_config import ModelPolicy, read_models_config, version_dirs
from converter.serving.warmup import WARMUP_RELATIVE_PATH, read_warmup_requests, request_feeds

HTTP_BY_CODE = {grpc.StatusCode.INVALID_ARGUMENT: 400, grpc.StatusCode.FAILED_PRECONDITION: 400,
                grpc.StatusCode.NOT_FOUND: 404, grpc.StatusCode.UNIMPLEMENTED: 501,
                grpc.StatusCode.OUT_OF_RANGE: 400, grpc.StatusCode.UNAVAILABLE: 503}
_GRPC_BY_TF_CODE = {c.value[0]: c for c in grpc.StatusCode}  # TF and gRPC share the numeric codes


class ServingError(Exception):
    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class LoadedModel:
    name: str
    sessions: dict[int, SavedModelSession] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)


def _served_versions(on_disk: list[int], policy: ModelPolicy) -> list[int]:
    kind, numbers = policy.parse_policy()
    if kind == "latest":
        return on_disk[-numbers[0]:]
    return on_disk if kind == "all" else [v for v in on_disk if v in numbers]


class ModelStore:
    """Loads every served version named by models.config; resolves model specs like ServerCore."""

    def __init__(self, config_path: Path, local_root: Path, path_prefix: str = "/models"):
        self.models: dict[str, LoadedModel] = {}
        for entry in read_models_config(config_path).model_config_list.config:
            base = Path(entry.base_path.replace(path_prefix.rstrip("/"), str(local_root), 1))
            model = self.models[entry.name] = LoadedModel(entry.name, labels=dict(entry.version_labels))
            for version in _served_versions(version_dirs(base), ModelPolicy.from_proto(entry)):
                model.sessions[version] = self._load(base / str(version))

    @staticmethod
    def _load(version_dir: Path) -> SavedModelSession:
        session = SavedModelSession(version_dir, intra_op_threads=1)
        warmup = version_dir / WARMUP_RELATIVE_PATH
        if warmup.exists():  # TF Serving replays these before marking the version AVAILABLE
            for request in read_warmup_requests(warmup):
                if isinstance(request, classification_pb2.ClassificationRequest):
                    run_classify(session, request.model_spec.signature_name, list(request_feeds(request)["inputs"]))
                else:
                    run_signature(session, request.model_spec.signature_name, request_feeds(request), [])
        return session

    def resolve(self, spec) -> tuple[int, SavedModelSession]:
        model = self.models.get(spec.name)
        which = spec.WhichOneof("version_choice")
        if which == "version_label":
            if model is None or spec.version_label not in model.labels:
                raise ServingError(grpc.StatusCode.INVALID_ARGUMENT,
                                   f"Unrecognized servable version label: {spec.version_label}")
            version = model.labels[spec.version_label]
        else:
            version = spec.version.value if which == "version" else None
        if model is None or not model.sessions or (version is not None and version not in model.sessions):
            request = f"Specific({spec.name}, {version})" if version is not None else f"Latest({spec.name})"
            raise ServingError(grpc.StatusCode.NOT_FOUND, f"Servable not found for request: {request}")
        version = max(model.sessions) if version is None else version
        return version, model.sessions[version]

    def close(self):
        for model in self.models.values():
            for session in model.sessions.values():
                session.close()


def run_signature(session: SavedModelSession, signature_name: str, feeds: dict[str, np.ndarray],
                  output_filter: list[str]) -> dict[str, np.ndarray]:
    """RunPredict from predict_util.cc: the same checks, order and messages."""
    signature_name = signature_name or "serving_default"
    signatures = session.meta_graph.signature_def
    if signature_name not in signatures:
        raise ServingError(grpc.StatusCode.FAILED_PRECONDITION, f'Serving signature key "{signature_name}" not found.')
    signature = signatures[signature_name]
    if set(feeds) != set(signature.inputs):
        sent, wanted = sorted(feeds), sorted(signature.inputs)
        raise ServingError(grpc.StatusCode.INVALID_ARGUMENT,
                           f"input size does not match signature: {len(sent)}!={len(wanted)} len({{{','.join(sent)}}})"
                           f" != len({{{','.join(wanted)}}}). Sent extra: {{{','.join(sorted(set(sent) - set(wanted)))}}}."
                           f" Missing but required: {{{','.join(sorted(set(wanted) - set(sent)))}}}.")
    for alias in output_filter:
        if alias not in signature.outputs:
            raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, f"output tensor alias not found in signature: "
                               f"{alias} Outputs expected to be in the set {{{','.join(sorted(signature.outputs))}}}.")
    keys = list(output_filter) or sorted(signature.outputs)
    try:
        values = session.run({signature.inputs[k].name: v for k, v in feeds.items()},
                             [signature.outputs[k].name for k in keys])
    except TFStatusError as err:
        raise ServingError(_GRPC_BY_TF_CODE.get(err.code, grpc.StatusCode.UNKNOWN), str(err)) from None
    return dict(zip(keys, values))


CLASSIFY_METHOD = "tensorflow/serving/classify"


def run_classify(session: SavedModelSession, signature_name: str,
                 serialized_examples: list[bytes]) -> classification_pb2.ClassificationResult:
    """TensorFlowClassifier (servables/tensorflow/classifier.cc): the signature checks and messages, the
    serialized Examples fed to the one input, classes/scores [batch, K] turned into a ClassificationResult."""
    signature_name = signature_name or "serving_default"
    signatures = session.meta_graph.signature_def
    if signature_name not in signatures:
        raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, f"No signature was found with the name: {signature_name}")
    signature = signatures[signature_name]
    if signature.method_name != CLASSIFY_METHOD:
        raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, "Expected classification signature method_name to be "
                           f"{CLASSIFY_METHOD}. Was: {signature.method_name}")
    if len(signature.inputs) != 1:
        raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, "Classification signature must contain 1 input")
    keys = [k for k in ("classes", "scores") if k in signature.outputs]
    if not keys or len(signature.outputs) != len(keys):
        raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, "Expected classification signature outputs to contain "
                           "at least one of classes and scores, and nothing else")
    if not serialized_examples:
        raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, "Input is empty.")
    (input_info,) = signature.inputs.values()
    try:
        values = dict(zip(keys, session.run({input_info.name: np.array(serialized_examples, dtype=object)},
                                            [signature.outputs[k].name for k in keys])))
    except TFStatusError as err:
        raise ServingError(_GRPC_BY_TF_CODE.get(err.code, grpc.StatusCode.UNKNOWN), str(err)) from None
    result = classification_pb2.ClassificationResult()
    batch = len(serialized_examples)
    for row in range(batch):
        classification = result.classifications.add()
        count = values[keys[0]].shape[1]
        for col in range(count):
            entry = classification.classes.add()
            if "classes" in values:
                entry.label = values["classes"][row, col].decode("utf-8", "replace")
            if "scores" in values:
                entry.score = float(values["scores"][row, col])
    return result


def metadata_response(store: ModelStore, request) -> get_model_metadata_pb2.GetModelMetadataResponse:
    for field_name in request.metadata_field:
        if field_name != "signature_def":
            raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, f"Metadata field {field_name} is not supported")
    if not request.metadata_field:
        raise ServingError(grpc.StatusCode.INVALID_ARGUMENT, "GetModelMetadataRequest must specify at least one metadata_field")
    version, session = store.resolve(request.model_spec)
    response = get_model_metadata_pb2.GetModelMetadataResponse()
    response.model_spec.name = request.model_spec.name
    response.model_spec.version.value = version
    signatures = get_model_metadata_pb2.SignatureDefMap()
    for key, value in session.meta_graph.signature_def.items():
        signatures.signature_def[key].CopyFrom(value)
    response.metadata["signature_def"].Pack(signatures)
    return response


def status_response(store: ModelStore, spec) -> get_model_status_pb2.GetModelStatusResponse:
    model = store.models.get(spec.name)
    if model is None:
        raise ServingError(grpc.StatusCode.NOT_FOUND, f"Could not find any versions of model {spec.name}")
    versions = sorted(model.sessions)
    if spec.WhichOneof("version_choice"):
        versions = [store.resolve(spec)[0]]
    response = get_model_status_pb2.GetModelStatusResponse()
    for version in versions:
        entry = response.model_version_status.add(version=version)
        entry.state = get_model_status_pb2.ModelVersionStatus.AVAILABLE
    return response
