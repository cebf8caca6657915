"""The reference side of the image signature: the same bytes decoded by PIL and preprocessed by
torchvision.transforms.v2 (what a PyTorch user runs), plus seeded test images encoded in several formats."""
from __future__ import annotations

import io
import sys

import numpy as np

from converter.client_options import ImagePreprocess
from converter.errors import BadInputError

_SCHEMA_LIB = None     # kept alive: torchvision's op schemas for its fake-kernel registration


def import_torchvision():
    """torchvision.transforms.v2, defining its C++ op schemas first when the wheel's ops library cannot
    load (a CUDA build on a CPU-only torch); raises BadInputError when torchvision is missing."""
    global _SCHEMA_LIB
    import torch

    if "torchvision" not in sys.modules and _SCHEMA_LIB is None:
        try:
            torch.ops.torchvision.nms      # noqa: B018 - present when torchvision's own ops loaded
        except (AttributeError, RuntimeError):
            try:
                lib = torch.library.Library("torchvision", "DEF")
                lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
                lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
                _SCHEMA_LIB = lib
            except RuntimeError:      # already defined by someone else in this process
                pass
    try:
        from torchvision.transforms import v2
    except ImportError:
        raise BadInputError("--image-input: verifying the image signature needs torchvision "
                            "(pip install torchvision)") from None
    return v2


def torchvision_transform(pre: ImagePreprocess):
    """v2.Compose equal to the options (the imagenet preset equals weights.transforms() of classifiers)."""
    import torch

    v2 = import_torchvision()
    modes = {"bilinear": v2.InterpolationMode.BILINEAR, "bicubic": v2.InterpolationMode.BICUBIC,
             "nearest": v2.InterpolationMode.NEAREST}
    steps = []
    if pre.resize:
        size = list(pre.resize) if len(pre.resize) == 2 else [pre.resize[0]]
        steps.append(v2.Resize(size, interpolation=modes[pre.resize_mode], antialias=True))
    if pre.crop is not None:
        steps.append(v2.CenterCrop(list(pre.crop)))
    steps += [v2.PILToTensor(), v2.ToDtype(torch.float32, scale=False)]
    num, den = pre.scale
    steps.append(v2.Lambda(lambda x: x * num / den if num != 1.0 else x / den))
    if pre.channels == "bgr":
        steps.append(v2.Lambda(lambda x: x.flip(0)))
    steps.append(v2.Normalize(list(pre.mean), list(pre.std)))
    return v2.Compose(steps)


def decode_with_pil(data: bytes):
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)
        return image.convert("RGB")


def reference_batch(encoded: list[bytes], pre: ImagePreprocess, channels_first: bool = True) -> np.ndarray:
    """[N, 3, H, W] float32 (or NHWC): PIL decode + the torchvision pipeline, image by image."""
    transform = torchvision_transform(pre)
    batch = np.stack([transform(decode_with_pil(data)).numpy() for data in encoded]).astype(np.float32)
    return batch if channels_first else np.moveaxis(batch, 1, -1)


def synthetic_image(rng: np.random.Generator, height: int, width: int, channels: int = 3) -> np.ndarray:
    """A smooth random image with noise and edges (uint8): resize differences show on it as on photos."""
    coarse = rng.uniform(0, 255, (height // 16 + 2, width // 16 + 2, channels))
    rows = np.linspace(0, coarse.shape[0] - 1, height)
    cols = np.linspace(0, coarse.shape[1] - 1, width)
    r0, c0 = np.floor(rows).astype(int), np.floor(cols).astype(int)
    r1, c1 = np.minimum(r0 + 1, coarse.shape[0] - 1), np.minimum(c0 + 1, coarse.shape[1] - 1)
    fr, fc = (rows - r0)[:, None, None], (cols - c0)[None, :, None]
    smooth = ((coarse[r0][:, c0] * (1 - fc) + coarse[r0][:, c1] * fc) * (1 - fr)
              + (coarse[r1][:, c0] * (1 - fc) + coarse[r1][:, c1] * fc) * fr)
    image = smooth + rng.normal(0, 12, smooth.shape)
    image[height // 3: height // 3 + 2] = 255                      # a sharp line
    return np.clip(image, 0, 255).astype(np.uint8)


def encode(array: np.ndarray, fmt: str, mode: str | None = None) -> bytes:
    from PIL import Image

    image = Image.fromarray(array if array.shape[-1] != 1 else array[..., 0], mode)
    buffer = io.BytesIO()
    options = {"quality": 90} if fmt == "JPEG" else {}
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def verification_images(seed: int, count: int = 4) -> list[tuple[str, bytes]]:
    """Seeded lossless PNGs of several sizes and modes (RGB, grayscale, RGBA) for the parity check."""
    rng = np.random.default_rng(seed)
    sizes = [(300, 400), (480, 360), (224, 224), (181, 257), (640, 480), (97, 131)]
    modes = ["RGB", "L", "RGBA", "RGB", "RGB", "L"]
    images = []
    for index in range(count):
        (h, w), mode = sizes[index % len(sizes)], modes[index % len(modes)]
        channels = {"RGB": 3, "L": 1, "RGBA": 4}[mode]
        images.append((f"png {mode} {h}x{w}", encode(synthetic_image(rng, h, w, channels), "PNG", mode)))
    return images


def smoke_jpeg(seed: int) -> bytes:
    return encode(synthetic_image(np.random.default_rng(seed + 1), 375, 500), "JPEG")


def check_available(pre: ImagePreprocess | None) -> None:
    if pre is not None:
        import_torchvision()
