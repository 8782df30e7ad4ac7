"""A few OGM-GE training steps in PyTorch on our late-fusion model, as BalanceBenchmark's OGM trainer does them.

usage: ogm_reference_steps.py RUN_CONFIG.json ARTIFACT_DIR STEPS.safetensors NOISE.safetensors OUT.safetensors

Written from the toolkit's training step (balancemm/trainer/OGM_trainer.py, method OGM_GE), not
copied. Per step: forward in train mode (the given dropout masks); cross-entropy of the fused
output; backward; each modality's score from its unimodal logits — two modalities
sum_i softmax(z)_i[y_i], three or more the sum over correctly classified samples of
softmax(cos z)_i[y_i] — its ratio over the other score (two) or the smallest (more), each + 1e-5;
k = max(1 - tanh(alpha * relu(ratio)), 0) where the ratio exceeds 1, else 1; in the modulation
epochs every encoder gradient that is not 1-D becomes k * g, plus, with noise, a Gaussian of
standard deviation std(g) + 1e-8. The Gaussian is the standard normal draw our trainer made
(NOISE.safetensors, "step<t>/<parameter>") times that deviation, so both sides add the same noise.
Then gradient-norm clipping (when configured) and the optimizer step. Writes the final parameters
and per-step losses, scores and coefficients.
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cggm_reference as ref  # noqa: E402
from late_fusion_reference import LateFusion  # noqa: E402


def make_optimizer(name, params, lr, weight_decay, momentum):
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)


def score(z, y, n_modalities):
    prob = torch.softmax(z, dim=1)
    if n_modalities == 2:
        return sum(prob[i][y[i]] for i in range(z.size(0)))
    cos_prob = torch.softmax(torch.cos(z), dim=1)
    total = torch.zeros(())
    for i in range(z.size(0)):
        if int(torch.argmax(z[i])) == int(y[i]):
            total = total + cos_prob[i][y[i]]
    return total


def coefficients(scores, alpha):
    n = len(scores)
    lowest = min(scores)
    out = []
    for i, s in enumerate(scores):
        ratio = s / (scores[1 - i] + 1e-5) if n == 2 else s / (lowest + 1e-5)
        out.append(max(1 - math.tanh(alpha * max(float(ratio), 0.0)), 0.0) if ratio > 1 else 1.0)
    return out


def main(config_path, artifact_dir, steps_path, noise_path, out_path):
    torch.set_num_threads(1)
    run = json.load(open(config_path))
    manifest = json.load(open(os.path.join(artifact_dir, "artifacts.json")))
    cfg = manifest["model"]
    model = LateFusion(cfg)
    model.load_state_dict(ref.load_safetensors(os.path.join(artifact_dir, "checkpoint.safetensors")), strict=True)
    model.train()
    data = ref.load_safetensors(steps_path)
    noise = ref.load_safetensors(noise_path)
    mods = model.mods
    mask_names = [s["name"] for s in manifest["inputs"] if s["role"] == "dropout_mask"]
    opt = make_optimizer(run["optimizer"], model.parameters(), run["lr"], run["weight_decay"], run["momentum"])
    epoch = 0
    stats = {}
    for t in range(int(data["steps"].item())):
        xs = [data["step%d/%s" % (t, m)] for m in mods]
        y = data["step%d/label" % t]
        masks = ref.MaskQueue([data["step%d/mask/%d" % (t, k)] for k in range(len(mask_names))] if mask_names else None)
        opt.zero_grad()
        out, unimodal = model(xs, masks)
        loss = F.cross_entropy(out, y)
        loss.backward()
        scores = [score(z.detach(), y, len(mods)) for z in unimodal]
        coeff = coefficients(scores, run["alpha"])
        if run["start_epoch"] <= epoch <= run["end_epoch"]:
            for name, p in model.named_parameters():
                for m, k in zip(mods, coeff):
                    if name.startswith("encoders.%s." % m) and p.grad.dim() != 1:
                        if run["noise"]:
                            sd = p.grad.std().item() + 1e-8
                            p.grad = p.grad * k + noise["step%d/%s" % (t, name)] * sd
                        else:
                            p.grad = p.grad * k
        if run["clip"] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), run["clip"])
        opt.step()
        stats["step%d/loss" % t] = loss.detach().reshape(1)
        for m, s, k in zip(mods, scores, coeff):
            stats["step%d/score/%s" % (t, m)] = torch.tensor([float(s)])
            stats["step%d/coeff/%s" % (t, m)] = torch.tensor([k])
    result = dict(stats)
    for name, p in model.named_parameters():
        result[name] = p.detach()
    ref.save_safetensors(out_path, result)


if __name__ == "__main__":
    main(*sys.argv[1:6])
