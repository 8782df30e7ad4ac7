"""PyTorch implementation of our late-fusion architecture, for parity checks of its ONNX graphs.

Written from the architecture description (LateFusionConfig / LateFusion.java): per modality a
per-position linear map D_m -> hidden, optional MulT-style transformer blocks (cggm_reference's
Encoder, so the same padding and position rules), the mean over positions, dropout; a linear head
over the concatenated features; unimodal logits z_m = h_m W_m^T + b/M from the head's slices.
State-dict names are ours (``encoders.<m>.proj``, ``encoders.<m>.blocks``, ``out_layer``).

usage: late_fusion_reference.py ARTIFACT_DIR INPUTS.safetensors OUT.safetensors

Writes ``output``, ``loss``, ``unimodal/<m>``, ``unimodal_loss/<m>`` and ``grad/<p>`` of the
weighted sum of the loss terms, weighted by the ``loss_weight/<term>`` inputs.
"""
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cggm_reference as ref  # noqa: E402


class ModalityEncoder(nn.Module):
    def __init__(self, input_dim, cfg):
        super().__init__()
        d, p = cfg["hidden"], cfg["dropout"]
        self.proj = nn.Linear(input_dim, d)
        drop = {k: p for k in ("embed", "attn", "relu", "res", "out")}
        self.blocks = ref.Encoder(d, cfg["heads"], cfg["layers"], drop) if cfg["layers"] > 0 else None

    def forward(self, x, masks):                                               # x: [B, L, D]
        h = self.proj(x)
        if self.blocks is not None:
            h = self.blocks(h.transpose(0, 1), masks).transpose(0, 1)
        return h.mean(dim=1)                                                   # [B, d]


class LateFusion(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.mods = [m["name"] for m in cfg["modalities"]]
        self.encoders = nn.ModuleDict({m["name"]: ModalityEncoder(m["input_dim"], cfg) for m in cfg["modalities"]})
        self.out_layer = nn.Linear(len(self.mods) * cfg["hidden"], cfg["output_dim"])

    def forward(self, xs, masks):
        feats = []
        for m, x in zip(self.mods, xs):
            pooled = self.encoders[m](x, masks)
            feats.append(masks.apply(pooled, self.cfg["dropout"], list(pooled.shape)))
        out = self.out_layer(torch.cat(feats, dim=1))
        d, n = self.cfg["hidden"], len(self.mods)
        w, b = self.out_layer.weight, self.out_layer.bias
        unimodal = [F.linear(feats[i], w[:, i * d:(i + 1) * d], b / n) for i in range(n)]
        return out, unimodal


def main(artifact_dir, inputs_path, out_path):
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    manifest, model = ref.load_architecture(artifact_dir, LateFusion)
    cfg = manifest["model"]
    model.train()
    inputs = ref.load_safetensors(inputs_path)
    masks = ref.dropout_masks(manifest, inputs)
    label = inputs["label"]
    if cfg["task"] == "regression":
        label = label.float()
    out, unimodal = model([inputs[m] for m in model.mods], masks)
    if masks.masks:
        raise SystemExit("unused dropout masks: %d" % len(masks.masks))
    terms = {"loss": ref.task_loss(cfg, out, label)}
    result = {"output": out, "loss": terms["loss"].reshape(1)}
    for m, z in zip(model.mods, unimodal):
        terms["unimodal_loss/" + m] = ref.task_loss(cfg, z, label)
        result["unimodal/" + m] = z
        result["unimodal_loss/" + m] = terms["unimodal_loss/" + m].reshape(1)
    ref.backward_and_save(model, terms, inputs, result, out_path)


if __name__ == "__main__":
    main(*sys.argv[1:4])
