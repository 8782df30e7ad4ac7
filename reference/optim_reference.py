"""PyTorch's optimizers and LR schedulers on given gradients and losses, for parity checks.

usage: optim_reference.py SPEC.json OUT.json

SPEC: {"optimizer": "adamw|adam|sgd", "lr", "weight_decay", "momentum", "init": [...],
       "grads": [[...], ...], "plateau": {"lr", "factor", "patience", "losses": [...]},
       "step_lr": {"lr", "step_size", "gamma", "epochs"}}
OUT:  {"params": [[...] after each step], "plateau_lr": [...], "step_lr": [...]}
"""
import json
import sys

import torch


def main(spec_path, out_path):
    spec = json.load(open(spec_path))
    p = torch.nn.Parameter(torch.tensor(spec["init"], dtype=torch.float32))
    name, lr, wd, mom = spec["optimizer"], spec["lr"], spec["weight_decay"], spec["momentum"]
    if name == "adamw":
        opt = torch.optim.AdamW([p], lr=lr, weight_decay=wd)
    elif name == "adam":
        opt = torch.optim.Adam([p], lr=lr, weight_decay=wd)
    else:
        opt = torch.optim.SGD([p], lr=lr, momentum=mom, weight_decay=wd)
    params = []
    for g in spec["grads"]:
        p.grad = torch.tensor(g, dtype=torch.float32)
        opt.step()
        params.append(p.detach().tolist())

    pl = spec["plateau"]
    q = torch.nn.Parameter(torch.zeros(1))
    popt = torch.optim.SGD([q], lr=pl["lr"])
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(popt, mode="min", factor=pl["factor"], patience=pl["patience"])
    plateau_lr = []
    for loss in pl["losses"]:
        sched.step(loss)
        plateau_lr.append(popt.param_groups[0]["lr"])

    st = spec["step_lr"]
    sopt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=st["lr"])
    ssched = torch.optim.lr_scheduler.StepLR(sopt, step_size=st["step_size"], gamma=st["gamma"])
    step_lr = []
    for _ in range(st["epochs"]):
        sopt.step()
        ssched.step()
        step_lr.append(sopt.param_groups[0]["lr"])
    json.dump({"params": params, "plateau_lr": plateau_lr, "step_lr": step_lr}, open(out_path, "w"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
