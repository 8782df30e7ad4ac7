"""Independent PyTorch computation of the project's ViT (HuggingFace ViTModel semantics).

Usage: vit_reference.py WEIGHTS.safetensors CONFIG.json OUT.f32

WEIGHTS holds the model parameters under HuggingFace's state-dict names plus the input
``pixel_values``; CONFIG gives image_size, patch_size, hidden, layers, heads, layer_norm_eps.
Writes ``last_hidden_state`` as raw little-endian float32 (row-major) to OUT.

Written against the HuggingFace ViT definition (conv patch embedding, CLS, learned positions,
pre-LN blocks with exact GELU, final LayerNorm), not against the ONNX graph, so that it checks
the graph independently. Runs with Debian's python3-torch (CPU).
"""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (name, info["dtype"])
        start, end = info["data_offsets"]
        arr = np.frombuffer(data[start:end], dtype="<f4").reshape(info["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def vit(w, cfg, pixels):
    d, heads, eps = cfg["hidden"], cfg["heads"], cfg["layer_norm_eps"]
    p = cfg["patch_size"]
    x = F.conv2d(pixels, w["embeddings.patch_embeddings.projection.weight"],
                 w["embeddings.patch_embeddings.projection.bias"], stride=p)
    x = x.flatten(2).transpose(1, 2)                                   # [B, N, D]
    cls = w["embeddings.cls_token"].expand(x.shape[0], -1, -1)
    x = torch.cat([cls, x], dim=1) + w["embeddings.position_embeddings"]
    dh = d // heads
    for i in range(cfg["layers"]):
        pre = f"encoder.layer.{i}."
        h = F.layer_norm(x, (d,), w[pre + "layernorm_before.weight"], w[pre + "layernorm_before.bias"], eps)

        def proj(name, t):
            return F.linear(t, w[pre + name + ".weight"], w[pre + name + ".bias"])

        def split(t):
            return t.view(t.shape[0], t.shape[1], heads, dh).permute(0, 2, 1, 3)

        q = split(proj("attention.attention.query", h))
        k = split(proj("attention.attention.key", h))
        v = split(proj("attention.attention.value", h))
        scores = torch.matmul(q, k.transpose(-1, -2)) / (dh ** 0.5)
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v)
        ctx = ctx.permute(0, 2, 1, 3).reshape(x.shape[0], x.shape[1], d)
        x = x + proj("attention.output.dense", ctx)
        h = F.layer_norm(x, (d,), w[pre + "layernorm_after.weight"], w[pre + "layernorm_after.bias"], eps)
        h = F.gelu(proj("intermediate.dense", h))                     # exact (erf) GELU
        x = x + proj("output.dense", h)
    return F.layer_norm(x, (d,), w["layernorm.weight"], w["layernorm.bias"], eps)


def main():
    weights_path, cfg_path, out_path = sys.argv[1:4]
    w = read_safetensors(weights_path)
    with open(cfg_path) as f:
        cfg = json.load(f)
    pixels = w.pop("pixel_values")
    with torch.no_grad():
        # float64 so that the reference itself adds no noise to the comparison
        out = vit({k: v.double() for k, v in w.items()}, cfg, pixels.double())
    out.float().numpy().astype("<f4").tofile(out_path)


if __name__ == "__main__":
    main()
