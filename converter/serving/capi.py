"""TensorFlow's C API through ctypes: the C++ SavedModel loader that tensorflow_model_server calls.

`TF_LoadSessionFromSavedModel` (libtensorflow_cc.so.2 in the tensorflow wheel) restores variables,
runs the init op and returns the MetaGraphDef, exactly as the server's SavedModelBundle loader does.
Nothing here imports TensorFlow's Python layer, so a process using only this module sees TF's own
op registry and nothing Python registered. Strings (DT_STRING) go in and out as numpy object arrays of
bytes (TF_TString elements, through the C API's TF_String* functions).
"""
from __future__ import annotations

import ctypes
import functools
import importlib.util
import sys
import types
from pathlib import Path

import numpy as np

from converter.errors import BadInputError, ConverterError

# TF_DataType values (tensorflow/core/framework/types.proto) <-> numpy dtypes.
_TF_TO_NUMPY = {1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8, 5: np.int16, 6: np.int8,
                9: np.int64, 10: np.bool_, 17: np.uint16, 19: np.float16, 22: np.uint32, 23: np.uint64}
_NUMPY_TO_TF = {np.dtype(v): k for k, v in _TF_TO_NUMPY.items()}


class TFStatusError(ConverterError):
    """A C API call failed; `code` is the TF status code (numerically the same as gRPC's)."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


class _Buffer(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("length", ctypes.c_size_t), ("data_deallocator", ctypes.c_void_p)]


class _Output(ctypes.Structure):
    _fields_ = [("oper", ctypes.c_void_p), ("index", ctypes.c_int)]


def tensorflow_dir() -> Path:
    loaded = sys.modules.get("tensorflow")  # the real package or our stub; both carry __file__
    if loaded is not None and getattr(loaded, "__file__", None):
        return Path(loaded.__file__).parent
    spec = importlib.util.find_spec("tensorflow")
    if spec is None or not spec.origin:
        raise ConverterError("tensorflow is not installed; the serving check needs its libtensorflow_cc.so.2")
    return Path(spec.origin).parent


def import_tf_protos():
    """Import TF's generated protos without running tensorflow/__init__.py (no Python op registration).

    If TensorFlow's Python layer is already imported, this is a plain import.
    """
    if "tensorflow" not in sys.modules:
        package = types.ModuleType("tensorflow")
        package.__file__ = str(tensorflow_dir() / "__init__.py")
        package.__path__ = [str(tensorflow_dir())]
        sys.modules["tensorflow"] = package
    from tensorflow.core.framework import op_def_pb2
    from tensorflow.core.protobuf import config_pb2, meta_graph_pb2, saved_model_pb2
    return types.SimpleNamespace(op_def=op_def_pb2, config=config_pb2, meta_graph=meta_graph_pb2,
                                 saved_model=saved_model_pb2)


def _declare(lib: ctypes.CDLL) -> ctypes.CDLL:
    p, i, s = ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t
    signatures = {
        "TF_NewStatus": (p, []), "TF_DeleteStatus": (None, [p]), "TF_GetCode": (i, [p]),
        "TF_Message": (ctypes.c_char_p, [p]),
        "TF_NewSessionOptions": (p, []), "TF_DeleteSessionOptions": (None, [p]),
        "TF_SetConfig": (None, [p, p, s, p]),
        "TF_NewGraph": (p, []), "TF_DeleteGraph": (None, [p]),
        "TF_NewBuffer": (ctypes.POINTER(_Buffer), []), "TF_DeleteBuffer": (None, [ctypes.POINTER(_Buffer)]),
        "TF_GetAllOpList": (ctypes.POINTER(_Buffer), []),
        "TF_LoadSessionFromSavedModel": (p, [p, p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), i, p,
                                             ctypes.POINTER(_Buffer), p]),
        "TF_CloseSession": (None, [p, p]), "TF_DeleteSession": (None, [p, p]),
        "TF_GraphOperationByName": (p, [p, ctypes.c_char_p]),
        "TF_SessionRun": (None, [p, p, ctypes.POINTER(_Output), ctypes.POINTER(p), i, ctypes.POINTER(_Output),
                                 ctypes.POINTER(p), i, p, i, p, p]),
        "TF_AllocateTensor": (p, [i, ctypes.POINTER(ctypes.c_int64), i, s]),
        "TF_DeleteTensor": (None, [p]), "TF_TensorData": (p, [p]), "TF_TensorByteSize": (s, [p]),
        "TF_NumDims": (i, [p]), "TF_Dim": (ctypes.c_int64, [p, i]), "TF_TensorType": (i, [p]),
        "TF_StringInit": (None, [p]), "TF_StringCopy": (None, [p, ctypes.c_char_p, s]),
        "TF_StringGetDataPointer": (p, [p]), "TF_StringGetSize": (s, [p]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype, function.argtypes = restype, argtypes
    return lib


_LIB: ctypes.CDLL | None = None


def library() -> ctypes.CDLL:
    """dlopen libtensorflow_cc.so.2 from the installed wheel (it finds libtensorflow_framework.so.2 beside it)."""
    global _LIB
    if _LIB is None:
        path = tensorflow_dir() / "libtensorflow_cc.so.2"
        if not path.exists():
            raise ConverterError(f"{path} not found; the serving check needs the tensorflow wheel's C library")
        _LIB = _declare(ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL))
    return _LIB


class _Status:
    def __init__(self, lib):
        self.lib, self.handle = lib, lib.TF_NewStatus()

    @property
    def code(self) -> int:
        return self.lib.TF_GetCode(self.handle)

    def error(self) -> str | None:
        if self.code == 0:
            return None
        return self.lib.TF_Message(self.handle).decode("utf-8", "replace").replace("\n", " ").strip()

    def __del__(self):
        self.lib.TF_DeleteStatus(self.handle)


@functools.lru_cache(maxsize=1)
def registered_op_names() -> frozenset[str]:
    """Every op in TF's C++ op registry (what a stock model server of this TF version knows); read once
    per process (a process that only uses the C API registers no ops of its own)."""
    lib, protos = library(), import_tf_protos()
    buffer = lib.TF_GetAllOpList()
    try:
        raw = ctypes.string_at(buffer.contents.data, buffer.contents.length)
    finally:
        lib.TF_DeleteBuffer(buffer)
    return frozenset(op.name for op in protos.op_def.OpList.FromString(raw).op)


_TF_STRING = 7
_TSTRING_BYTES = 24          # sizeof(TF_TString)


def _to_string_tensor(lib, array: np.ndarray):
    flat = [bytes(v) if not isinstance(v, str) else v.encode() for v in array.reshape(-1)]
    dims = (ctypes.c_int64 * array.ndim)(*array.shape)
    tensor = lib.TF_AllocateTensor(_TF_STRING, dims, array.ndim, len(flat) * _TSTRING_BYTES)
    base = lib.TF_TensorData(tensor)
    for index, value in enumerate(flat):
        element = base + index * _TSTRING_BYTES
        lib.TF_StringInit(element)
        lib.TF_StringCopy(element, value, len(value))
    return tensor


def _to_tensor(lib, array: np.ndarray):
    array = np.asarray(array)
    if array.dtype.kind in "OSU":
        return _to_string_tensor(lib, array)
    array = np.ascontiguousarray(array)
    if array.dtype not in _NUMPY_TO_TF:
        raise BadInputError(f"input dtype {array.dtype} is not supported by the C API runner (strings are not)")
    dims = (ctypes.c_int64 * array.ndim)(*array.shape)
    tensor = lib.TF_AllocateTensor(_NUMPY_TO_TF[array.dtype], dims, array.ndim, array.nbytes)
    if array.nbytes:
        ctypes.memmove(lib.TF_TensorData(tensor), array.ctypes.data, array.nbytes)
    return tensor


def _from_tensor(lib, tensor) -> np.ndarray:
    dtype_enum = lib.TF_TensorType(tensor)
    if dtype_enum == _TF_STRING:
        shape = tuple(lib.TF_Dim(tensor, d) for d in range(lib.TF_NumDims(tensor)))
        base, count = lib.TF_TensorData(tensor), int(np.prod(shape, dtype=np.int64))
        values = np.empty(count, dtype=object)
        for index in range(count):
            element = base + index * _TSTRING_BYTES
            values[index] = ctypes.string_at(lib.TF_StringGetDataPointer(element), lib.TF_StringGetSize(element))
        return values.reshape(shape)
    if dtype_enum not in _TF_TO_NUMPY:
        raise ConverterError(f"output TF_DataType {dtype_enum} is not supported by the C API runner (strings are not)")
    shape = tuple(lib.TF_Dim(tensor, d) for d in range(lib.TF_NumDims(tensor)))
    size = lib.TF_TensorByteSize(tensor)
    raw = ctypes.string_at(lib.TF_TensorData(tensor), size) if size else b""
    return np.frombuffer(raw, dtype=_TF_TO_NUMPY[dtype_enum]).reshape(shape).copy()


class SavedModelSession:
    """A session loaded by TF_LoadSessionFromSavedModel; run tensors by graph name ("op:index")."""

    def __init__(self, export_dir: Path, tags: tuple[str, ...] = ("serve",), intra_op_threads: int = 0):
        self.lib, protos = library(), import_tf_protos()
        export_dir = Path(export_dir)
        if not (export_dir / "saved_model.pb").exists() and not (export_dir / "saved_model.pbtxt").exists():
            raise BadInputError(f"{export_dir}: no saved_model.pb; pass a version folder such as serving_models/NAME/1")
        options = self.lib.TF_NewSessionOptions()
        status = _Status(self.lib)
        if intra_op_threads:
            config = protos.config.ConfigProto(intra_op_parallelism_threads=intra_op_threads,
                                               inter_op_parallelism_threads=intra_op_threads).SerializeToString()
            self.lib.TF_SetConfig(options, config, len(config), status.handle)
        self.graph = self.lib.TF_NewGraph()
        meta_buffer = self.lib.TF_NewBuffer()
        c_tags = (ctypes.c_char_p * len(tags))(*[t.encode() for t in tags])
        self.session = self.lib.TF_LoadSessionFromSavedModel(
            options, None, str(export_dir).encode(), c_tags, len(tags), self.graph, meta_buffer, status.handle)
        self.lib.TF_DeleteSessionOptions(options)
        error = status.error()
        try:
            if error:
                self.session = None
                raise ConverterError(f"TF_LoadSessionFromSavedModel({export_dir}, tags {list(tags)}) failed: {error}")
            raw = ctypes.string_at(meta_buffer.contents.data, meta_buffer.contents.length)
            self.meta_graph = protos.meta_graph.MetaGraphDef.FromString(raw)
        finally:
            self.lib.TF_DeleteBuffer(meta_buffer)

    def _output(self, tensor_name: str) -> _Output:
        op_name, _, index = tensor_name.partition(":")
        operation = self.lib.TF_GraphOperationByName(self.graph, op_name.encode())
        if not operation:
            raise ConverterError(f"tensor {tensor_name!r} named by the signature is not in the loaded graph")
        return _Output(operation, int(index or 0))

    def run(self, feeds: dict[str, np.ndarray], fetches: list[str]) -> list[np.ndarray]:
        """Run with feeds keyed by tensor name; return fetched tensors in order. Raises ConverterError."""
        lib = self.lib
        in_names = list(feeds)
        inputs = (_Output * len(in_names))(*[self._output(n) for n in in_names])
        outputs = (_Output * len(fetches))(*[self._output(n) for n in fetches])
        in_values = (ctypes.c_void_p * len(in_names))(*[_to_tensor(lib, feeds[n]) for n in in_names])
        out_values = (ctypes.c_void_p * len(fetches))()
        status = _Status(lib)
        try:
            lib.TF_SessionRun(self.session, None, inputs, in_values, len(in_names), outputs, out_values,
                              len(fetches), None, 0, None, status.handle)
            error = status.error()
            if error:
                raise TFStatusError(error, status.code)
            return [_from_tensor(lib, out_values[i]) for i in range(len(fetches))]
        finally:
            for handle in list(in_values) + [v for v in out_values if v]:
                lib.TF_DeleteTensor(handle)

    def close(self):
        if self.session:
            status = _Status(self.lib)
            self.lib.TF_CloseSession(self.session, status.handle)
            self.lib.TF_DeleteSession(self.session, status.handle)
            self.session = None
        if self.graph:
            self.lib.TF_DeleteGraph(self.graph)
            self.graph = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
