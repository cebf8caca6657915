"""The client signatures on a small TF model: in-process numbers, the signature defs as TF Serving's
protos read them, and the C API loader (as tensorflow_model_server runs Classify and Predict)."""
import numpy as np
import tensorflow as tf

from converter.client_options import ClientSignatureOptions, ImagePreprocess
from converter.savedmodel.classify import make_example
from converter.savedmodel.client_signatures import (
    build_client_functions,
    set_method_names,
    signature_plan,
)
from converter.savedmodel.export import ServingModule
from converter.savedmodel.signature import SignatureSpec, TensorSpecInfo
from converter.serving.load_check import run_load_check
from converter.verify.image_reference import encode, reference_batch, synthetic_image

CLASSES = 7
LABELS = tuple(f"class_{i}" for i in range(CLASSES))


class TinyModel(tf.Module):
    """logits = mean over H, W of the image, times a fixed matrix (NCHW input)."""

    def __init__(self, outputs=CLASSES):
        super().__init__()
        self.weights = tf.Variable(np.random.default_rng(0).normal(size=(3, outputs)).astype(np.float32))

    def run(self, feeds):
        return {"logits": tf.reduce_mean(feeds["input_img"], axis=[2, 3]) @ self.weights}

    def numpy(self, x):
        return x.mean(axis=(2, 3)) @ self.weights.numpy()


def _save(tmp_path, options, outputs=CLASSES):
    spec = SignatureSpec((TensorSpecInfo("input_img", "input_img", "float32", (None, 3, 32, 32)),),
                         (TensorSpecInfo("logits", "logits", "float32", (None, outputs)),))
    model = TinyModel(outputs)
    module = ServingModule(model, spec)
    signatures = {"serving_default": module.serve.get_concrete_function()}
    signatures.update(build_client_functions(module._serve, spec, options))
    tf.saved_model.save(module, str(tmp_path), signatures=signatures)
    set_method_names(tmp_path, signature_plan(spec, options))
    return model


PRE = ImagePreprocess((40,), "bilinear", (32, 32), (1.0, 255.0), (0.5, 0.4, 0.3), (0.2, 0.25, 0.3), "rgb")


def _images():
    rng = np.random.default_rng(1)
    return [encode(synthetic_image(rng, h, w), "PNG") for h, w in [(50, 70), (90, 45), (32, 32)]]


def _softmax_top_k(logits, k):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    order = np.argsort(-p, axis=1)[:, :k]
    return order, np.take_along_axis(p, order, axis=1)


def test_image_top_k_and_classify_in_process(tmp_path):
    options = ClientSignatureOptions("input_img", PRE, LABELS, 3, "softmax", True)
    model = _save(tmp_path, options)
    loaded = tf.saved_model.load(str(tmp_path))
    images = _images()
    expected_logits = model.numpy(reference_batch(images, PRE))
    order, probs = _softmax_top_k(expected_logits, 3)
    out = loaded.signatures["predict_image_bytes"](image_bytes=tf.constant(images))
    np.testing.assert_allclose(out["logits"].numpy(), expected_logits, atol=1e-4)  # float sum order
    np.testing.assert_allclose(out["scores"].numpy(), probs, atol=2e-5)
    assert out["classes"].numpy().tolist() == [[LABELS[i].encode() for i in row] for row in order]
    x = np.random.default_rng(2).normal(size=(2, 3, 32, 32)).astype(np.float32)
    top = loaded.signatures["predict_top_k"](input_img=tf.constant(x))
    np.testing.assert_allclose(top["scores"].numpy(), _softmax_top_k(model.numpy(x), 3)[1], atol=2e-5)
    examples = [make_example({"image/encoded": data}) for data in images]
    classified = loaded.signatures["classify"](inputs=tf.constant(examples))
    assert sorted(classified) == ["classes", "scores"]
    np.testing.assert_allclose(classified["scores"].numpy(), probs, atol=2e-5)


def test_signature_defs_as_tf_serving_reads_them(tmp_path):
    from tensorflow.core.protobuf import saved_model_pb2
    from tensorflow_serving.apis import classification_pb2, input_pb2  # noqa: F401 (the real protos exist)

    _save(tmp_path, ClientSignatureOptions("input_img", PRE, LABELS, 3, "softmax", True))
    saved = saved_model_pb2.SavedModel.FromString((tmp_path / "saved_model.pb").read_bytes())
    defs = saved.meta_graphs[0].signature_def
    classify = defs["classify"]
    # what tensorflow_serving/servables/tensorflow/classifier.cc PreProcessClassification checks
    assert classify.method_name == "tensorflow/serving/classify"
    assert list(classify.inputs) == ["inputs"] and classify.inputs["inputs"].dtype == tf.string.as_datatype_enum
    assert sorted(classify.outputs) == ["classes", "scores"]
    assert classify.outputs["classes"].dtype == tf.string.as_datatype_enum
    assert classify.outputs["scores"].dtype == tf.float32.as_datatype_enum
    assert defs["predict_image_bytes"].inputs["image_bytes"].dtype == tf.string.as_datatype_enum
    assert [d.size for d in defs["predict_image_bytes"].outputs["classes"].tensor_shape.dim] == [-1, 3]
    from tensorflow.core.protobuf import fingerprint_pb2
    from tensorflow.python.saved_model.pywrap_saved_model import fingerprinting
    written = fingerprint_pb2.FingerprintDef.FromString((tmp_path / "fingerprint.pb").read_bytes())
    fresh = fingerprint_pb2.FingerprintDef.FromString(fingerprinting.CreateFingerprintDef(str(tmp_path)))
    assert written.saved_model_checksum == fresh.saved_model_checksum != 0   # renewed after the method edit


def test_regress_for_a_single_value_output(tmp_path):
    options = ClientSignatureOptions(None, None, (), 5, "raw", True)
    model = _save(tmp_path, options, outputs=1)
    x = np.random.default_rng(3).normal(size=(4, 3, 32, 32)).astype(np.float32)
    loaded = tf.saved_model.load(str(tmp_path))
    out = loaded.signatures["regress"](inputs=tf.constant([make_example({"input_img": row}) for row in x]))
    np.testing.assert_allclose(out["outputs"].numpy(), model.numpy(x)[:, 0], atol=1e-5)


def test_through_the_c_api_loader_with_bad_bytes(tmp_path):
    """Classify as the server's classifier runs it: the serialized Examples fed to the signature's one
    input, outputs classes and scores fetched; bad bytes give INVALID_ARGUMENT, not a crash."""
    options = ClientSignatureOptions("input_img", PRE, LABELS, 3, "softmax", True)
    model = _save(tmp_path, options)
    images = _images()
    order, probs = _softmax_top_k(model.numpy(reference_batch(images, PRE)), 3)
    classes = np.array([[LABELS[i].encode() for i in row] for row in order], dtype=object)
    examples = np.array([make_example({"image/encoded": data}) for data in images], dtype=object)
    feed_sets = [{"image_bytes": np.array(images, dtype=object)}, {"inputs": examples},
                 {"image_bytes": np.array([images[0], b"\x89PNG broken"], dtype=object)}]
    runs = [{"feed_set": 0, "signatures": ["predict_image_bytes"], "label": "png"},
            {"feed_set": 1, "signatures": ["classify"], "label": "examples"},
            {"feed_set": 2, "signatures": ["predict_image_bytes"], "label": "bad bytes"}]
    expected = [{"classes": classes, "scores": probs}, {"classes": classes, "scores": probs}, None]
    report = run_load_check(tmp_path, feed_sets, runs, expected, atol=1e-5, rtol=1e-4)
    good = [report.signatures["predict_image_bytes[png]"], report.signatures["classify[examples]"]]
    assert all(s.ok for s in good), report.summary()
    assert all(s.outputs["classes"].ok and s.outputs["scores"].ok for s in good)
    bad = report.signatures["predict_image_bytes[bad bytes]"]
    assert bad.code == 3, bad            # INVALID_ARGUMENT, the code TF Serving returns to the client
    assert "image" in bad.error.lower() or "png" in bad.error.lower(), bad.error
