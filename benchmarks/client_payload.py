"""REST and gRPC payload of one image: the encoded JPEG through `predict_image_bytes` against the float tensor
through the tensor signature, as our client builds the requests (`python -m benchmarks.client_payload`).

The image is a real photograph (matplotlib's sample grace_hopper.jpg) resized to 224x224 and saved as JPEG at
quality 90 and 75; the tensor is that image after `--preprocess imagenet` (1, 3, 224, 224) float32. Results go
to benchmarks/results/client_payload.json and .md (the README quotes them)."""
from __future__ import annotations

import io
import json
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def photo(quality: int) -> bytes:
    import matplotlib
    from PIL import Image

    source = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    buffer = io.BytesIO()
    Image.open(source).convert("RGB").resize((224, 224), Image.BILINEAR).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def rest_body(signature: str, inputs: dict) -> int:
    """Bytes of the REST :predict body our client sends (converter/serving/client.py RestClient.predict)."""
    from converter.serving.client import rest_value

    body = {"signature_name": signature, "inputs": {k: rest_value(v) for k, v in inputs.items()}}
    return len(json.dumps(body).encode())


def grpc_body(signature: str, inputs: dict) -> int:
    """Bytes of the serialized gRPC PredictRequest (as GrpcClient.predict builds it)."""
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2

    request = predict_pb2.PredictRequest()
    request.model_spec.name, request.model_spec.signature_name = "resnet18", signature
    for key, value in inputs.items():
        request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
    return request.ByteSize()


def measure() -> dict:
    from converter.client_options import ImagePreprocess
    from converter.verify.image_reference import reference_batch

    rows = []
    for quality in (90, 75):
        jpeg = photo(quality)
        tensor = reference_batch([jpeg], ImagePreprocess.imagenet())
        images = {"image_bytes": np.array([jpeg], dtype=object)}
        rows.append({"jpeg_quality": quality, "jpeg_bytes": len(jpeg),
                     "rest_image_bytes": rest_body("predict_image_bytes", images),
                     "rest_float_tensor": rest_body("serving_default", {"pixel_values": tensor}),
                     "grpc_image_bytes": grpc_body("predict_image_bytes", images),
                     "grpc_float_tensor": grpc_body("serving_default", {"pixel_values": tensor})})
    from benchmarks.zoo.report import machine

    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine(),
            "image": "matplotlib sample_data/grace_hopper.jpg resized to 224x224", "rows": rows}


def markdown(results: dict) -> str:
    lines = [f"# Payload of one 224x224 image ({results['date']})", "", f"Image: {results['image']}.", "",
             "| JPEG quality | JPEG bytes | REST, image bytes | REST, float tensor | gRPC, image bytes | "
             "gRPC, float tensor |", "|---|---|---|---|---|---|"]
    for r in results["rows"]:
        lines.append(f"| {r['jpeg_quality']} | {r['jpeg_bytes']:,} | {r['rest_image_bytes']:,} | "
                     f"{r['rest_float_tensor']:,} | {r['grpc_image_bytes']:,} | {r['grpc_float_tensor']:,} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    results = measure()
    out = ROOT / "benchmarks" / "results"
    (out / "client_payload.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "client_payload.md").write_text(markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
