"""A few CGGM training steps in PyTorch, done the way the official code does them.

usage: cggm_reference_steps.py RUN_CONFIG.json ARTIFACT_DIR STEPS.safetensors OUT.safetensors [THREADS]

Per step (see shared/design/cggm-reference.md): forward; task loss (+ λ·L_gm of the previous
step); backward; classifiers on the detached encoder outputs, their loss backward; batch
accuracies give coefficients; cosines of the out-layer weights give the new L_gm (kept
differentiable with respect to the fusion out-layer weight through a clone); encoder gradients
× coeff·ρ; classifier optimizer step; gradient-norm clipping; model optimizer step.
Writes the final parameters and per-step losses, coefficients and times (ms).
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cggm_reference as ref  # noqa: E402


def batch_accuracy(cfg, out, y):
    if cfg["task"] == "classification":
        return (out.argmax(dim=1) == y).double().mean().item()
    return ((out.view(-1) > 0) == (y.view(-1) > 0)).double().mean().item()


def make_optimizer(name, params, lr, weight_decay, momentum):
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)


def main(config_path, artifact_dir, steps_path, out_path, threads="1"):
    torch.set_num_threads(int(threads))
    run = json.load(open(config_path))
    manifest = json.load(open(os.path.join(artifact_dir, "artifacts.json")))
    cfg = manifest["model"]
    weights = ref.load_safetensors(os.path.join(artifact_dir, "checkpoint.safetensors"))
    data = ref.load_safetensors(steps_path)
    model, classifiers = ref.FusedModel(cfg), ref.Classifiers(cfg)
    model.load_state_dict({k: v for k, v in weights.items() if not k.startswith("classifers.")})
    classifiers.load_state_dict({k: v for k, v in weights.items() if k.startswith("classifers.")})
    model.train(), classifiers.train()
    mods = [m["name"] for m in cfg["modalities"]]
    mask_names = [s["name"] for s in manifest["inputs"] if s["role"] == "dropout_mask"]
    opt = make_optimizer(run["optimizer"], model.parameters(), run["lr"], run["weight_decay"], run["momentum"])
    cls_opt = make_optimizer(run["optimizer"], classifiers.parameters(), run["classifier_lr"],
                             run["classifier_weight_decay"], run["momentum"])
    rho, lam, m_count = run["rho"], run["lambda"], len(mods)
    acc_prev = [0.0] * m_count
    l_gm = None
    stats = {}
    n_steps = int(data["steps"].item())
    for t in range(n_steps):
        started = time.perf_counter()
        xs = [data["step%d/%s" % (t, m)] for m in mods]
        y = data["step%d/label" % t]
        if cfg["task"] == "regression":
            y = y.float().view(-1, 1)
        masks = ref.MaskQueue([data["step%d/mask/%d" % (t, k)] for k in range(len(mask_names))] if mask_names else None)

        model.zero_grad()
        out, hs = model(xs, masks)
        loss = ref.task_loss(cfg, out, y)
        stats["step%d/loss" % t] = loss.detach().reshape(1)
        if l_gm is not None:
            loss = loss + lam * l_gm
        loss.backward()

        cls_opt.zero_grad()
        cls_out = [classifiers.classifers[i](hs[i].detach(), masks) for i in range(m_count)]
        sum(ref.task_loss(cfg, c, y) for c in cls_out).backward()

        acc_now = [batch_accuracy(cfg, c, y) for c in cls_out]
        diff = [acc_now[i] - acc_prev[i] for i in range(m_count)]
        s = sum(diff) + 1e-8
        coeff = [(s - d) / s for d in diff]
        acc_prev = acc_now
        fusion_w = model.out_layer.weight.clone().view(-1)
        cos = [F.cosine_similarity(classifiers.classifers[i].out_layer.weight.clone().view(-1), fusion_w, dim=0)
               for i in range(m_count)]
        l_gm = (sum(abs(c) for c in coeff) - sum(coeff[i] * cos[i] for i in range(m_count))) / m_count
        for i in range(m_count):
            for p in model.encoders[i].parameters():
                p.grad *= coeff[i] * rho
            stats["step%d/coeff/%s" % (t, mods[i])] = torch.tensor([coeff[i]])
        cls_opt.step()
        torch.nn.utils.clip_grad_norm_(model.parameters(), run["clip"])
        opt.step()
        stats["step%d/ms" % t] = torch.tensor([(time.perf_counter() - started) * 1000])

    result = dict(stats)
    for name, p in list(model.named_parameters()) + list(classifiers.named_parameters()):
        result[name] = p.detach()
    ref.save_safetensors(out_path, result)


if __name__ == "__main__":
    main(*sys.argv[1:6])
