"""PyTorch implementation of our multimodal U-Net, for parity checks of its ONNX graphs.

Written from the architecture description (MultimodalUNetConfig / MultimodalUNet.java): per modality
a U-Net encoder over one input channel — blocks of (3x3 conv without bias, GroupNorm, ReLU) x convs,
2x2 max pooling between levels, dropout on the last level —; a shared decoder over the modalities'
bottlenecks concatenated (per finer level a 2x2 stride-2 ConvTranspose2d, concatenation with every
modality's features of that level, a block) and a 1x1 conv to class scores; one auxiliary decoder per
modality, the same over that modality's detached features. The loss of every output is the segmentation
task's: weighted cross-entropy (BraTS weights with 4 classes) plus 1 - the pooled foreground soft Dice.

usage: multimodal_unet_reference.py ARTIFACT_DIR INPUTS.safetensors OUT.safetensors

Writes ``output``, ``loss``, ``cls_output/<m>``, ``cls_loss/<m>`` and ``grad/<p>`` of the weighted sum of
the loss terms, weighted by the ``loss_weight/<term>`` inputs.
"""
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cggm_reference as ref  # noqa: E402


def groups_for(channels, groups):
    for g in range(min(groups, channels), 1, -1):
        if channels % g == 0:
            return g
    return 1


class Block(nn.Module):
    def __init__(self, cin, cout, cfg):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(cin if k == 0 else cout, cout, 3, padding=1, bias=False)
                                    for k in range(cfg["convs"])])
        self.norms = nn.ModuleList([nn.GroupNorm(groups_for(cout, cfg["groups"]), cout, eps=1e-5)
                                    for _ in range(cfg["convs"])])

    def forward(self, x):
        for conv, norm in zip(self.convs, self.norms):
            x = F.relu(norm(conv(x)))
        return x


class Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        widths = cfg["widths"]
        self.levels = nn.ModuleList([Block(1 if l == 0 else widths[l - 1], widths[l], cfg) for l in range(len(widths))])

    def forward(self, x):
        feats = []
        for l, block in enumerate(self.levels):
            if l > 0:
                x = F.max_pool2d(x, 2)
            x = block(x)
            feats.append(x)
        return feats


class Decoder(nn.Module):
    def __init__(self, sources, cfg):
        super().__init__()
        widths = cfg["widths"]
        channels = sources * widths[-1]
        ups, blocks = [], []
        for l in range(len(widths) - 2, -1, -1):
            ups.append(nn.ConvTranspose2d(channels, widths[l], 2, stride=2))
            blocks.append(Block(widths[l] + sources * widths[l], widths[l], cfg))
            channels = widths[l]
        self.ups, self.blocks = nn.ModuleList(ups), nn.ModuleList(blocks)
        self.out = nn.Conv2d(channels, cfg["output_dim"], 1)

    def forward(self, feats):                          # feats[modality][level]
        x = torch.cat([f[-1] for f in feats], dim=1)
        levels = len(feats[0])
        for i, (up, block) in enumerate(zip(self.ups, self.blocks)):
            l = levels - 2 - i
            x = block(torch.cat([up(x)] + [f[l] for f in feats], dim=1))
        return self.out(x)


class MultimodalUNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.mods = [m["name"] for m in cfg["modalities"]]
        self.encoders = nn.ModuleDict({m: Encoder(cfg) for m in self.mods})
        self.decoder = Decoder(len(self.mods), cfg)
        self.classifiers = nn.ModuleDict({m: Decoder(1, cfg) for m in self.mods})

    def forward(self, images, masks):
        feats = []
        for m, x in zip(self.mods, images):
            f = self.encoders[m](x.unsqueeze(1))
            f[-1] = masks.apply(f[-1], self.cfg["dropout"], list(f[-1].shape))
            feats.append(f)
        out = self.decoder(feats)
        aux = {m: self.classifiers[m]([[t.detach() for t in f]]) for m, f in zip(self.mods, feats)}
        return out, aux


def seg_loss(scores, label):
    classes = scores.shape[1]
    weight = torch.tensor([0.2, 0.3, 0.25, 0.25]) if classes == 4 else torch.ones(classes)
    ce = F.cross_entropy(scores, label, weight=weight)
    p = F.softmax(scores, dim=1)[:, 1:]
    t = F.one_hot(label, classes).permute(0, 3, 1, 2)[:, 1:].to(p.dtype)
    dice = 2 * (p * t).sum() / (p.sum() + t.sum() + 0.01)
    return ce + (1 - dice)


def main(artifact_dir, inputs_path, out_path):
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    manifest, model = ref.load_architecture(artifact_dir, MultimodalUNet)
    model.train()
    inputs = ref.load_safetensors(inputs_path)
    masks = ref.dropout_masks(manifest, inputs)
    label = inputs["label"]
    out, aux = model([inputs[m] for m in model.mods], masks)
    if masks.masks:
        raise SystemExit("unused dropout masks: %d" % len(masks.masks))
    terms = {"loss": seg_loss(out, label)}
    result = {"output": out, "loss": terms["loss"].reshape(1)}
    for m, z in aux.items():
        terms["cls_loss/" + m] = seg_loss(z, label)
        result["cls_output/" + m] = z
        result["cls_loss/" + m] = terms["cls_loss/" + m].reshape(1)
    ref.backward_and_save(model, terms, inputs, result, out_path)


if __name__ == "__main__":
    main(*sys.argv[1:4])
