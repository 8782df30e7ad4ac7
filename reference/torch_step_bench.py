"""Times the reference model's training step and forward pass in PyTorch (CPU), for comparison.

usage: torch_step_bench.py ARTIFACT_DIR BATCH ITERATIONS WARMUP

Prints one JSON line: {"train_ms": median, "eval_ms": median, ...}. The training step is what the
reference does per batch for CGGM: forward, task-loss backward, classifier forward/backward on the
detached encoder outputs (optimizer steps excluded, as in our step benchmark).
"""
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cggm_reference as ref  # noqa: E402


def main(artifact_dir, batch, iterations, warmup):
    batch, iterations, warmup = int(batch), int(iterations), int(warmup)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    manifest = json.load(open(os.path.join(artifact_dir, "artifacts.json")))
    cfg = manifest["model"]
    model, classifiers = ref.FusedModel(cfg), ref.Classifiers(cfg)
    weights = ref.load_safetensors(os.path.join(artifact_dir, "checkpoint.safetensors"))
    model.load_state_dict({k: v for k, v in weights.items() if not k.startswith("classifers.")})
    classifiers.load_state_dict({k: v for k, v in weights.items() if k.startswith("classifers.")})
    g = torch.Generator().manual_seed(0)
    xs = [torch.randn(batch, m["seq_len"], m["input_dim"], generator=g) for m in cfg["modalities"]]
    y = torch.randint(0, cfg["output_dim"], (batch,), generator=g)
    if cfg["task"] == "regression":
        y = torch.randn(batch, 1, generator=g)
    d = cfg["dropouts"]

    def dropout_masks():
        return None  # F.dropout below draws its own masks

    class Native(ref.MaskQueue):
        """Uses PyTorch's own dropout, as the reference does."""

        def __init__(self):
            super().__init__([])

        def apply(self, x, p, shape):
            return torch.nn.functional.dropout(x, p, training=True) if p > 0 else x

    def train_step():
        model.zero_grad(set_to_none=True)
        classifiers.zero_grad(set_to_none=True)
        out, hs = model(xs, Native())
        ref.task_loss(cfg, out, y).backward()
        loss = 0
        for i in range(len(hs)):
            loss = loss + ref.task_loss(cfg, classifiers.classifers[i](hs[i].detach(), Native()), y)
        loss.backward()

    def eval_step():
        with torch.no_grad():
            out, hs = model(xs, ref.MaskQueue(None))
            for i in range(len(hs)):
                classifiers.classifers[i](hs[i], ref.MaskQueue(None))

    def timed(fn):
        for _ in range(warmup):
            fn()
        ts = []
        for _ in range(iterations):
            t0 = time.perf_counter()
            fn()
            ts.append((time.perf_counter() - t0) * 1000)
        return ts

    train = timed(train_step)
    model.eval(), classifiers.eval()
    ev = timed(eval_step)
    print(json.dumps({"train_ms": statistics.median(train), "train_min_ms": min(train),
                      "eval_ms": statistics.median(ev), "eval_min_ms": min(ev),
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
