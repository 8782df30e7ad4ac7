"""PyTorch implementation of the reference CGGM model, for parity checks against our ONNX graphs.

Written from the architecture description (MulT-style pre-LN transformer encoders per modality,
fusion encoder over the concatenated sequences, residual head, one classifier per modality on the
detached encoder outputs). Layout is time-major [L, B, d] as in the reference code, and the
state-dict names are the reference's (``proj.<i>``, ``encoders.<i>``, ``fusion``, ``proj1``,
``proj2``, ``out_layer``; classifiers ``classifers.<i>``), so one safetensors checkpoint loads
into both this model and ours.

Dropout masks can be injected: ``MaskQueue`` hands out masks in the order the model draws them,
which is the order our graph builder declares its ``dropout_mask`` inputs.
"""
import json
import math
import os
import struct

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F


class MaskQueue:
    """Supplies dropout keep-masks in draw order; ``None`` means dropout off."""

    def __init__(self, masks=None):
        self.masks = list(masks) if masks is not None else None

    def apply(self, x, p, batch_major_shape):
        """Inverted dropout of ``x`` with the next mask, given in our batch-major layout."""
        if self.masks is None or p <= 0:
            return x
        mask = self.masks.pop(0)
        assert list(mask.shape) == list(batch_major_shape), (mask.shape, batch_major_shape)
        return x * mask.to(x.dtype) / (1.0 - p)


def sinusoid_table(rows, d):
    half = d // 2
    step = math.log(10000) / (half - 1)
    freq = torch.exp(torch.arange(half, dtype=torch.float) * -step)
    arg = torch.arange(rows, dtype=torch.float).unsqueeze(1) * freq.unsqueeze(0)
    table = torch.cat([torch.sin(arg), torch.cos(arg)], dim=1)
    if d % 2 == 1:
        table = torch.cat([table, torch.zeros(rows, 1)], dim=1)
    table[0, :] = 0
    return table


class SelfAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.d, self.heads = d, heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * d, d))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * d))
        self.out_proj = nn.Linear(d, d)

    def forward(self, x, p_attn, masks):
        length, batch, d = x.shape
        h, dh = self.heads, d // self.heads
        q, k, v = F.linear(x, self.in_proj_weight, self.in_proj_bias).chunk(3, dim=-1)
        q = q * dh ** -0.5
        q = q.contiguous().view(length, batch * h, dh).transpose(0, 1)
        k = k.contiguous().view(length, batch * h, dh).transpose(0, 1)
        v = v.contiguous().view(length, batch * h, dh).transpose(0, 1)
        w = torch.softmax(torch.bmm(q, k.transpose(1, 2)), dim=-1)          # [B*h, L, L]
        w = masks.apply(w.view(batch, h, length, length), p_attn, [batch, h, length, length])
        w = w.view(batch * h, length, length)
        out = torch.bmm(w, v).transpose(0, 1).contiguous().view(length, batch, d)
        return self.out_proj(out)


def to_batch_major(shape_tb):
    """[L, B, ...] -> [B, L, ...] (the layout our masks use)."""
    return [shape_tb[1], shape_tb[0]] + list(shape_tb[2:])


class EncoderBlock(nn.Module):
    def __init__(self, d, heads, dropouts):
        super().__init__()
        self.self_attn = SelfAttention(d, heads)
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)
        self.layer_norms = nn.ModuleList([nn.LayerNorm(d), nn.LayerNorm(d)])
        self.p = dropouts

    def forward(self, x, masks):
        masked_t = lambda t, p: masks.apply(t.transpose(0, 1), p, to_batch_major(t.shape)).transpose(0, 1)
        h = self.self_attn(self.layer_norms[0](x), self.p["attn"], masks)
        x = x + masked_t(h, self.p["res"])
        h = F.relu(self.fc1(self.layer_norms[1](x)))
        h = masked_t(h, self.p["relu"])
        h = self.fc2(h)
        return x + masked_t(h, self.p["res"])


class Encoder(nn.Module):
    """MulT-style encoder: x*sqrt(d) + positions (first-feature-zero = padding), dropout, blocks, LN."""

    def __init__(self, d, heads, layers, dropouts):
        super().__init__()
        self.d = d
        self.layers = nn.ModuleList([EncoderBlock(d, heads, dropouts) for _ in range(layers)])
        self.layer_norm = nn.LayerNorm(d)
        self.p = dropouts

    def forward(self, x_in, masks):                                            # [L, B, d]
        length = x_in.shape[0]
        table = sinusoid_table(length + 1, self.d).to(x_in.dtype)
        first = x_in[:, :, 0].transpose(0, 1)                                  # [B, L]
        pos = torch.where(first != 0, torch.arange(1, length + 1).unsqueeze(0), torch.zeros((), dtype=torch.long))
        x = math.sqrt(self.d) * x_in + table[pos].transpose(0, 1)
        x = masks.apply(x.transpose(0, 1), self.p["embed"], to_batch_major(x.shape)).transpose(0, 1)
        for layer in self.layers:
            x = layer(x, masks)
        return self.layer_norm(x)


class FusedModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, heads, p = cfg["proj_dim"], cfg["heads"], cfg["dropouts"]
        mods = cfg["modalities"]
        self.proj = nn.ModuleList([nn.Conv1d(m["input_dim"], d, kernel_size=1) for m in mods])
        self.encoders = nn.ModuleList([Encoder(d, heads, cfg["layers"], p) for _ in mods])
        self.fusion = Encoder(d, heads, cfg["fusion_layers"], p)
        self.proj1 = nn.Linear(d, d)
        self.proj2 = nn.Linear(d, d)
        self.out_layer = nn.Linear(d, cfg["output_dim"])
        self.p_out = p["out"]
        # the official Food-101 code sends every modality through the first projection (projv)
        self.faithful_projection = cfg.get("faithful_projection", False)

    def forward(self, inputs, masks):
        hs = []
        for i, x in enumerate(inputs):                                         # x: [B, L, D]
            proj = self.proj[0] if self.faithful_projection else self.proj[i]
            x = proj(x.transpose(1, 2)).permute(2, 0, 1)                        # [L, B, d]
            hs.append(self.encoders[i](x, masks))
        last = self.fusion(torch.cat(hs), masks)[0]                            # [B, d]
        h = masks.apply(F.relu(self.proj1(last)), self.p_out, list(last.shape))
        h = self.proj2(h) + last
        return self.out_layer(h), hs


class Classifier(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["proj_dim"]
        self.bone = Encoder(d, cfg["heads"], cfg["classifier_layers"], cfg["dropouts"])
        self.proj1 = nn.Linear(d, d)
        self.out_layer = nn.Linear(d, cfg["output_dim"])

    def forward(self, h, masks):
        x = self.bone(h, masks)[0]
        x = F.relu(self.proj1(self.proj1(x)))                                  # proj1 twice, as the reference
        return self.out_layer(x)


class Classifiers(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.classifers = nn.ModuleList([Classifier(cfg) for _ in cfg["modalities"]])  # reference spelling


def task_loss(cfg, out, label):
    if cfg["task"] == "classification":
        return F.cross_entropy(out, label)
    return F.l1_loss(out, label)


# ---------------------------------------------------------------- safetensors (F32, BOOL, I64)

_DT = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "BOOL": np.bool_}


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        b, e = t["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[b:e], dtype=_DT[t["dtype"]]).reshape(t["shape"]).copy())
    return out


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().cpu().numpy().astype(np.float32)
        raw = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for raw in blobs:
            f.write(raw)


# ---------------------------------------------------------------- parity drivers of the architectures


def load_architecture(artifact_dir, model_class):
    """The artifact directory's manifest and ``model_class(manifest["model"])`` with its checkpoint, strictly."""
    with open(os.path.join(artifact_dir, "artifacts.json")) as f:
        manifest = json.load(f)
    model = model_class(manifest["model"])
    model.load_state_dict(load_safetensors(os.path.join(artifact_dir, "checkpoint.safetensors")), strict=True)
    return manifest, model


def dropout_masks(manifest, inputs):
    """The graph's dropout masks from ``inputs``, in the order its ``dropout_mask`` inputs are declared."""
    names = [s["name"] for s in manifest["inputs"] if s["role"] == "dropout_mask"]
    return MaskQueue([inputs[n] for n in names] if names else None)


def backward_and_save(model, terms, inputs, result, out_path):
    """Back-propagates the loss terms weighted by the ``loss_weight/<term>`` inputs and writes
    ``result`` plus every parameter's gradient (zeros where none reaches it) to ``out_path``."""
    total = sum(inputs["loss_weight/" + t].reshape(()) * v for t, v in terms.items())
    total.backward()
    for name, p in model.named_parameters():
        result["grad/" + name] = p.grad if p.grad is not None else torch.zeros_like(p)
    save_safetensors(out_path, result)
