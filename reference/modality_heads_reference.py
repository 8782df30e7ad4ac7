"""PyTorch implementation of our modality-heads architecture (IGM's model), for parity checks.

Written from the architecture description (ModalityHeads.java), not from its graph: per modality a
per-position nn.Linear D_m -> hidden applied to every position and then averaged over positions
(the Java graph averages first and maps once; the two are equal, which this checks), a head
nn.Sequential(Linear(hidden, w), ReLU, Linear(w, b), Linear(b, C)); the fused output is the mean
of the heads' softmax and the fused loss the negative log-likelihood of that mean, computed here
the direct way, -log(mean_m softmax(z_m))[y].

usage: modality_heads_reference.py ARTIFACT_DIR INPUTS.safetensors OUT.safetensors

Writes ``output``, ``loss``, ``unimodal/<m>``, ``unimodal_loss/<m>`` and ``grad/<p>`` of the
weighted sum of the loss terms, weighted by the ``loss_weight/<term>`` inputs. The script is also
imported by igm_reference_steps.py for the model.
"""
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cggm_reference as ref  # noqa: E402


class Encoder(nn.Module):
    def __init__(self, input_dim, hidden):
        super().__init__()
        self.proj = nn.Linear(input_dim, hidden)

    def forward(self, x):                          # x: [B, L, D] -> [B, hidden]
        return self.proj(x).mean(dim=1)


class ModalityHeads(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.mods = [m["name"] for m in cfg["modalities"]]
        h, w, b, c = cfg["hidden"], cfg["head_width"], cfg["bottleneck"], cfg["output_dim"]
        self.encoders = nn.ModuleDict({m["name"]: Encoder(m["input_dim"], h) for m in cfg["modalities"]})
        self.heads = nn.ModuleDict({m: nn.Sequential(nn.Linear(h, w), nn.ReLU(), nn.Linear(w, b), nn.Linear(b, c))
                                    for m in self.mods})

    def unimodal(self, m, x):
        return self.heads[m](self.encoders[m](x))

    def forward(self, xs):
        logits = [self.unimodal(m, x) for m, x in zip(self.mods, xs)]
        prob = sum(F.softmax(z, dim=1) for z in logits) / len(logits)
        return prob, logits


def nll_of_mean(prob, label):
    return -torch.log(prob.gather(1, label.reshape(-1, 1))).mean()


def main(artifact_dir, inputs_path, out_path):
    torch.set_num_threads(1)
    _, model = ref.load_architecture(artifact_dir, ModalityHeads)
    inputs = ref.load_safetensors(inputs_path)
    label = inputs["label"]
    prob, logits = model([inputs[m] for m in model.mods])
    terms = {"loss": nll_of_mean(prob, label)}
    result = {"output": prob, "loss": terms["loss"].reshape(1)}
    for m, z in zip(model.mods, logits):
        terms["unimodal_loss/" + m] = F.cross_entropy(z, label)
        result["unimodal/" + m] = z
        result["unimodal_loss/" + m] = terms["unimodal_loss/" + m].reshape(1)
    ref.backward_and_save(model, terms, inputs, result, out_path)


if __name__ == "__main__":
    main(*sys.argv[1:4])
