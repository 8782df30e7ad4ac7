"""Run an exported cggm bundle the way a pipeline would: onnxruntime + HF tokenizers + Pillow + numpy.

usage: pipeline_predict.py BUNDLE_DIR MANIFEST.jsonl

Prints one JSON line per sample of the manifest ({"id", "text", "image"}; image paths relative to
the manifest): id, label, probability and every class's probability. Nothing of cggm is
imported: the bundle's tokenizer.json, preprocessor_config.json and model.onnx are all it needs.
"""
import json
import os
import sys

import numpy as np
import onnxruntime as ort
from PIL import Image
from tokenizers import Tokenizer


def pixel_values(path, pre):
    """pixel_values [1, 3, H, W] as preprocessor_config.json says (PIL bilinear, on float values)."""
    img = Image.open(path).convert("RGB")
    w, h = img.size
    if pre.get("do_center_crop"):
        s = pre["size"]["shortest_edge"]
        rw, rh = (s, s * h // w) if w <= h else (s * w // h, s)   # shorter side to s
        ch, cw = pre["crop_size"]["height"], pre["crop_size"]["width"]
    else:
        rw, rh = pre["size"]["width"], pre["size"]["height"]
        ch, cw = rh, rw
    planes = []
    for band in img.split():                        # per channel in mode "F": no rounding to 8 bits
        f = band.convert("F")
        if (rw, rh) != (w, h):
            f = f.resize((rw, rh), Image.BILINEAR)
        planes.append(np.asarray(f, dtype=np.float32))
    x = np.stack(planes)
    top, left = (rh - ch) // 2, (rw - cw) // 2      # centre crop
    x = x[:, top:top + ch, left:left + cw]
    scale = np.float32(pre["rescale_factor"] if pre.get("do_rescale", True) else 1.0)
    mean = np.array(pre["image_mean"], dtype=np.float32)[:, None, None]
    std = np.array(pre["image_std"], dtype=np.float32)[:, None, None]
    return ((x * scale - mean) / std)[None].astype(np.float32)


def main():
    bundle, manifest = sys.argv[1], sys.argv[2]
    card = json.load(open(os.path.join(bundle, "model.json")))
    tokenizer = Tokenizer.from_file(os.path.join(bundle, "tokenizer.json"))   # pads/truncates to max_length
    pre = json.load(open(os.path.join(bundle, "preprocessor_config.json")))
    options = ort.SessionOptions()
    session = ort.InferenceSession(os.path.join(bundle, "model.onnx"), options, providers=["CPUExecutionProvider"])
    wanted = {i.name for i in session.get_inputs()}
    labels = card["labels"]
    base = os.path.dirname(os.path.abspath(manifest))
    for line in open(manifest):
        if not line.strip():
            continue
        sample = json.loads(line)
        enc = tokenizer.encode(sample["text"])
        feeds = {"input_ids": np.array([enc.ids], dtype=np.int64),
                 "attention_mask": np.array([enc.attention_mask], dtype=np.int64),
                 "token_type_ids": np.array([enc.type_ids], dtype=np.int64),
                 "pixel_values": pixel_values(os.path.join(base, sample["image"]), pre)}
        probs = session.run(["probabilities"], {k: v for k, v in feeds.items() if k in wanted})[0][0]
        k = int(np.argmax(probs))
        print(json.dumps({"id": sample["id"], "label": labels[k], "probability": float(probs[k]),
                          "probabilities": {labels[i]: float(p) for i, p in enumerate(probs)}}))


if __name__ == "__main__":
    main()
