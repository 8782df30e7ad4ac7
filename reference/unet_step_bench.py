"""Times a CGGM training step of our multimodal U-Net in PyTorch (CPU), for `cggm bench train --preset brats`.

usage: unet_step_bench.py ARTIFACT_DIR BATCH ITERATIONS WARMUP THREADS

The model is multimodal_unet_reference.py's (the parity-tested twin of our graphs) with the run's
initial weights. One step, as our trainer's CGGM step does it: forward of the encoders, the shared
decoder and the per-modality decoders on the detached features (dropout on), the fused loss and
every decoder's loss backward, each decoder's mean Dice (WT/TC/ET of its argmax, per sample), the
encoder gradients scaled by the coefficients, SGD with momentum and weight decay on the model and
on the decoders. Random slices and label maps of the artifacts' shapes. Prints one JSON line:
{"train_ms": median, "train_min_ms": ..., "threads": ..., "torch": version}.
"""
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cggm_reference as ref  # noqa: E402
import multimodal_unet_reference as unet  # noqa: E402


class Dropout(ref.MaskQueue):
    """PyTorch's own dropout, as a PyTorch training loop uses it."""

    def __init__(self):
        super().__init__([])

    def apply(self, x, p, shape):
        return F.dropout(x, p, training=True) if p > 0 else x


def mean_dice(scores, label):
    pred = scores.argmax(1)
    regions = [(lambda y: y != 0), (lambda y: (y == 1) | (y == 3)), (lambda y: y == 3)]
    ds = []
    for r in regions:
        p, t = r(pred).flatten(1).float(), r(label).flatten(1).float()
        inter, total = (p * t).sum(1), p.sum(1) + t.sum(1)
        ds.append(torch.where(total > 0, 2 * inter / total.clamp(min=1), torch.ones_like(total)))
    return torch.stack(ds).mean().item()


def main(artifact_dir, batch, iterations, warmup, threads):
    batch, iterations, warmup, threads = int(batch), int(iterations), int(warmup), int(threads)
    torch.set_num_threads(threads if threads > 0 else max(1, os.cpu_count() or 1))
    manifest = json.load(open(os.path.join(artifact_dir, "artifacts.json")))
    cfg = manifest["model"]
    model = unet.MultimodalUNet(cfg)
    model.load_state_dict(ref.load_safetensors(os.path.join(artifact_dir, "checkpoint.safetensors")), strict=True)
    model.train()
    g = torch.Generator().manual_seed(0)
    side = cfg["modalities"][0]["seq_len"]
    xs = [torch.randn(batch, side, m["input_dim"], generator=g) for m in cfg["modalities"]]
    y = torch.randint(0, cfg["output_dim"], (batch, side, side), generator=g)
    decoders = [p for n, p in model.named_parameters() if n.startswith("classifiers.")]
    rest = [p for n, p in model.named_parameters() if not n.startswith("classifiers.")]
    opt = torch.optim.SGD(rest, lr=1e-2, momentum=0.9, weight_decay=3e-4)
    opt_dec = torch.optim.SGD(decoders, lr=6e-3, momentum=0.9, weight_decay=3e-4)
    encoders = {m: list(model.encoders[m].parameters()) for m in model.mods}

    def train_step():
        opt.zero_grad(set_to_none=True)
        opt_dec.zero_grad(set_to_none=True)
        out, aux = model(xs, Dropout())
        loss = unet.seg_loss(out, y) + sum(unet.seg_loss(z, y) for z in aux.values())
        loss.backward()
        dice = [mean_dice(z.detach(), y) for z in aux.values()]
        mean = sum(dice) / len(dice)
        for m, d in zip(model.mods, dice):
            for p in encoders[m]:
                if p.grad is not None:
                    p.grad.mul_(max(0.0, 1.0 + (mean - d)))
        opt_dec.step()
        opt.step()

    ts = []
    for i in range(warmup + iterations):
        t0 = time.perf_counter()
        train_step()
        if i >= warmup:
            ts.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"train_ms": statistics.median(ts), "train_min_ms": min(ts),
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main(*sys.argv[1:6])
