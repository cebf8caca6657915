#!/usr/bin/env python3
"""Reproduce docs/image-inputs.md's table: TF resize variants against PIL (what torchvision runs on PIL
images), as uint8 levels of the resized image on seeded synthetic images.

    PYTHONPATH=. .venv/bin/python benchmarks/image_resize_parity.py
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf
from PIL import Image

from converter.savedmodel.preprocess import resize_image
from converter.verify.image_reference import synthetic_image

CASES = [(300, 400, 256, 341), (500, 375, 341, 256), (640, 480, 341, 256), (224, 224, 256, 256), (180, 240, 256, 341)]


def _round(x):
    return np.clip(np.floor(x + 0.5), 0, 255)


def variants(image: np.ndarray, out_h: int, out_w: int, method: str) -> dict[str, np.ndarray]:
    x = tf.constant(image[None].astype(np.float32))
    h = image.shape[0]
    one_pass = tf.image.resize(x, (out_h, out_w), method=method, antialias=True)[0].numpy()
    no_aa = tf.image.resize(x, (out_h, out_w), method=method, antialias=False)[0].numpy()
    first = _round(tf.image.resize(x, (h, out_w), method=method, antialias=True).numpy())
    two_pass = tf.image.resize(first, (out_h, out_w), method=method, antialias=True)[0].numpy()
    ours = resize_image(tf.constant(image), out_h, out_w, method).numpy()
    return {"tf.image.resize antialias=False": _round(no_aa), "tf.image.resize antialias=True": _round(one_pass),
            "per axis, uint8 between": _round(two_pass), "PIL resampling with gathers (ours)": ours.astype(np.float64)}


def main() -> None:
    rng = np.random.default_rng(0)
    for method, pil_filter in (("bilinear", Image.BILINEAR), ("bicubic", Image.BICUBIC)):
        worst: dict[str, tuple[float, float]] = {}
        for h, w, out_h, out_w in CASES:
            image = synthetic_image(rng, h, w)
            reference = np.asarray(Image.fromarray(image).resize((out_w, out_h), pil_filter)).astype(np.float64)
            for name, value in variants(image, out_h, out_w, method).items():
                diff = np.abs(value - reference)
                old = worst.get(name, (0.0, 0.0))
                worst[name] = (max(old[0], float(diff.max())), max(old[1], float(np.mean(diff > 0))))
        for name, (levels, fraction) in worst.items():
            print(f"{method:8} {name:36} max {levels:4.0f} levels, up to {fraction:6.2%} of pixels differ")


if __name__ == "__main__":
    main()
