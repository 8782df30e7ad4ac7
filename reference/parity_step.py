"""One forward/backward of the reference model in PyTorch on given weights, inputs and masks.

usage: parity_step.py ARTIFACT_DIR INPUTS.safetensors OUT.safetensors

Reads artifacts.json (configuration, input and mask order), checkpoint.safetensors (weights) and
the inputs file (modality features, labels, dropout masks by our input names); writes the model
output, the classifier outputs, the losses and the gradient of every parameter (``grad/<name>``),
computed as the reference computes them: task loss on the fused model, classifier losses on the
detached encoder outputs.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cggm_reference as ref  # noqa: E402


def main(artifact_dir, inputs_path, out_path):
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    manifest = json.load(open(os.path.join(artifact_dir, "artifacts.json")))
    cfg = manifest["model"]
    weights = ref.load_safetensors(os.path.join(artifact_dir, "checkpoint.safetensors"))
    inputs = ref.load_safetensors(inputs_path)

    model, classifiers = ref.FusedModel(cfg), ref.Classifiers(cfg)
    model_sd = {k: v for k, v in weights.items() if not k.startswith("classifers.")}
    cls_sd = {k: v for k, v in weights.items() if k.startswith("classifers.")}
    model.load_state_dict(model_sd, strict=True)
    classifiers.load_state_dict(cls_sd, strict=True)
    model.train()
    classifiers.train()

    mods = [m["name"] for m in cfg["modalities"]]
    mask_names = [s["name"] for s in manifest["inputs"] if s["role"] == "dropout_mask"]
    masks = ref.MaskQueue([inputs[n] for n in mask_names] if mask_names else None)
    label = inputs["label"]
    if cfg["task"] == "regression":
        label = label.float()

    out, hs = model([inputs[m] for m in mods], masks)
    loss = ref.task_loss(cfg, out, label)
    loss.backward()
    result = {"output": out, "loss": loss.reshape(1)}
    for i, m in enumerate(mods):
        c_out = classifiers.classifers[i](hs[i].detach(), masks)
        c_loss = ref.task_loss(cfg, c_out, label)
        c_loss.backward()
        result["cls_output/" + m] = c_out
        result["cls_loss/" + m] = c_loss.reshape(1)
    if masks.masks:
        raise SystemExit("unused dropout masks: %d" % len(masks.masks))
    for name, p in list(model.named_parameters()) + list(classifiers.named_parameters()):
        result["grad/" + name] = p.grad if p.grad is not None else torch.zeros_like(p)
    ref.save_safetensors(out_path, result)


if __name__ == "__main__":
    main(*sys.argv[1:4])
