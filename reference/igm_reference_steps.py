"""IGM training as the official code does it (njustkmg/IJCAI25-IGM, train_CREMA.py / train_sarcasm.py),
written as a small driver of its math for parity checks of our IGM method. Test-only.

Written from our reading of the official loop, not copied from it. Per stage: a fresh model loaded
with the best state so far (stage 1: the initial weights); for stages after the first, forward hooks
on the previous modality's Linear layers accumulate x_mean^T x_mean of each layer's batch-mean input
over a pass of the training set, and torch.svd turns it into P = V diag(exp(-tau (s - s_min) /
(s_max - s_min))) V^T; then a new optimizer over all parameters (only the trained modality's get
gradients, so the others are skipped), and per batch:

  mixup of the trained modality's input (lambda and the permutation are given: our draws),
  loss_ori = lam CE(o, y) + (1 - lam) CE(o, y[perm]) per sample,
  g = grad of mean(loss_ori) w.r.t. the trained encoder's and head's parameters,
  'faithful': p.data += rho g_p / |g_p| (never reverted), o_tmp = head(fea) at the moved head on the
              pre-perturbation features, loss = (1 - f) mean(loss_ori) + f mean(CE(o_tmp, y)), backward;
  'sam'     : our documented proper SAM: the same move, the flat loss recomputed through the moved
              encoder and head, its gradient taken there, the parameters restored; grad =
              (1 - f) g + f g_flat;
  then grad(W) <- grad(W) @ P[n] for every trained Linear layer and every previous-modality layer n
  of the same weight shape (official loop order), optimizer step.

After every epoch the fused prediction (mean of the heads' softmax) is scored on the validation split
(accuracy, our selection score; the official code uses test macro-F1) and a strictly better one becomes
the best state. Departures from the official loop, as in our implementation: batches come in our data
order (given), the covariance pass walks the training set in split order in batches of batch_size
(all of them), and the best score starts at -inf.

usage: igm_reference_steps.py SETTINGS.json ARTIFACT_DIR DATA.safetensors OUT.safetensors
"""
import copy
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cggm_reference as ref  # noqa: E402
from modality_heads_reference import ModalityHeads  # noqa: E402
from cggm_reference_steps import make_optimizer  # noqa: E402


def hooked_modules(model, modality, projected):
    """(name, Linear) of a modality, as the official walk over named_modules() with a weight."""
    mods = []
    if projected == "all":
        mods += [("encoders.%s.%s" % (modality, n), m) for n, m in model.encoders[modality].named_modules()
                 if isinstance(m, torch.nn.Linear)]
    mods += [("heads.%s.%s" % (modality, n), m) for n, m in model.heads[modality].named_modules()
             if isinstance(m, torch.nn.Linear)]
    return mods


def projection_matrices(model, modality, data, settings):
    cov = {}
    handles = []
    for name, module in hooked_modules(model, modality, settings["projected"]):
        def hook(mod, fea_in, fea_out, name=name):
            x = fea_in[0]
            if x.dim() == 3:
                # the encoder's linear map, applied per position here, reads the mean over positions in
                # our graph (the same function); that pooled vector is the layer's input
                x = x.mean(dim=1)
            x = torch.mean(x, 0, True)
            c = torch.mm(x.transpose(0, 1), x)
            cov[name] = c if name not in cov else cov[name] + c
        handles.append(module.register_forward_hook(hook))
    x_all = data["train/" + modality]
    n, bs = x_all.shape[0], settings["batch_size"]
    with torch.no_grad():
        for start in range(0, n, bs):
            model.unimodal(modality, x_all[start:start + bs])
    for h in handles:
        h.remove()
    out = {}
    for name, c in cov.items():
        _, s, v = torch.svd(c, some=False)
        lam = torch.exp(settings["tau"] * (-(s - s.min()) / (s.max() - s.min())))
        out[name] = v @ torch.diag(lam) @ v.t()
    return out


def trained_parameters(model, m):
    return list(model.encoders[m].parameters()), list(model.heads[m].parameters())


def move(params, grads, rho):
    for p, g in zip(params, grads):
        if g is not None:
            p.data = p.data + rho * (g / torch.norm(g))


def train_step(model, optimizer, m, x, y, lam, perm, settings, projections, previous):
    f = settings["flat_ratio"]
    x = lam * x + (1 - lam) * x[perm, :]
    fea = model.encoders[m](x)
    o = model.heads[m](fea)
    loss_ori = lam * F.cross_entropy(o, y, reduction="none") + (1 - lam) * F.cross_entropy(o, y[perm], reduction="none")
    enc, head = trained_parameters(model, m)
    g_enc = torch.autograd.grad(loss_ori.mean(), enc, retain_graph=True)
    g_head = torch.autograd.grad(loss_ori.mean(), head, retain_graph=True)
    optimizer.zero_grad()
    if settings["flat"] == "faithful":
        move(enc, g_enc, settings["rho"])
        move(head, g_head, settings["rho_head"])
        o_tmp = model.heads[m](fea)
        loss_flat = F.cross_entropy(o_tmp, y, reduction="none")
        loss = (1 - f) * loss_ori.mean() + f * loss_flat.mean()
        loss.backward()
    else:
        saved = [p.detach().clone() for p in enc + head]
        move(enc, g_enc, settings["rho"])
        move(head, g_head, settings["rho_head"])
        loss_flat = F.cross_entropy(model.heads[m](model.encoders[m](x)), y, reduction="none")
        g_flat = torch.autograd.grad(loss_flat.mean(), enc + head)
        with torch.no_grad():
            for p, s in zip(enc + head, saved):
                p.copy_(s)
        for p, g0, g1 in zip(enc + head, list(g_enc) + list(g_head), g_flat):
            p.grad = (1 - f) * g0 + f * g1
    if projections:
        now = hooked_modules(model, m, settings["projected"])
        pre = hooked_modules(model, previous, settings["projected"])
        for _, a in now:
            for name, b in pre:
                if a.weight.shape == b.weight.shape:
                    a.weight.grad = a.weight.grad @ projections[name]
    optimizer.step()
    return loss_ori.mean().item(), loss_flat.mean().item()


def validation_accuracy(model, data):
    with torch.no_grad():
        prob, _ = model([data["val/" + m] for m in model.mods])
    return (prob.argmax(dim=1) == data["val/label"]).float().mean().item()


def main(settings_path, artifact_dir, data_path, out_path):
    torch.set_num_threads(1)
    settings = json.load(open(settings_path))
    manifest = json.load(open(os.path.join(artifact_dir, "artifacts.json")))
    cfg = manifest["model"]
    data = ref.load_safetensors(data_path)
    best = ref.load_safetensors(os.path.join(artifact_dir, "checkpoint.safetensors"))
    mods = [m["name"] for m in cfg["modalities"]]
    lengths = settings["stage_epochs"]
    lengths = lengths * len(mods) if len(lengths) == 1 else lengths
    epochs, bs = settings["epochs"], settings["batch_size"]
    best_score = float("-inf")
    result, step, epoch, stage = {}, 0, 0, 0
    projections = {}
    while epoch < epochs:
        k = stage % len(mods)
        m, previous = mods[k], mods[(k - 1) % len(mods)]
        model = ModalityHeads(cfg)
        model.load_state_dict(best)
        projections = projection_matrices(model, previous, data, settings) if stage > 0 else {}
        optimizer = make_optimizer(settings["optimizer"], list(model.parameters()), settings["lr"],
                                   settings["weight_decay"], settings["momentum"])
        for _ in range(lengths[k]):
            if epoch >= epochs:
                break
            order = data["epoch%d/order" % epoch]
            for start in range(0, order.shape[0], bs):
                rows = order[start:start + bs]
                x = data["train/" + m][rows]
                y = data["train/label"][rows]
                lam = data["step%d/lambda" % step].item()
                perm = data["step%d/perm" % step]
                lo, lf = train_step(model, optimizer, m, x, y, lam, perm, settings, projections, previous)
                result["step%d/loss_mixup" % step] = torch.tensor([lo])
                result["step%d/loss_flat" % step] = torch.tensor([lf])
                step += 1
            score = validation_accuracy(model, data)
            result["epoch%d/val_acc" % epoch] = torch.tensor([score])
            if score > best_score:
                best_score = score
                best = copy.deepcopy(model.state_dict())
            epoch += 1
        final = model
        stage += 1
    for name, p in final.state_dict().items():
        result["param/" + name] = p
    for name, p in projections.items():
        result["P/" + name] = p
    ref.save_safetensors(out_path, result)


if __name__ == "__main__":
    main(*sys.argv[1:5])
