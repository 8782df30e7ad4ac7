"""A real HuggingFace ViT, exported to ONNX the way Optimum exports one, plus its PyTorch outputs.

usage: hf_vit_export.py OUT_DIR IMAGE... REF.safetensors

Builds transformers' ViTModel from a ViTConfig with random weights (seed 0; offline, nothing from
a hub), exports it as `optimum-cli export onnx --task feature-extraction` lays out a directory:
OUT_DIR/model.onnx (inputs pixel_values, outputs last_hidden_state and pooler_output, dynamic
batch/size axes, opset 14), config.json and preprocessor_config.json (ViTImageProcessor). Then
runs each image through the processor and the PyTorch model and writes last_hidden_state
[n, L, D] to REF. Runs in .venv-torch (transformers over Debian's PyTorch).
"""
import os
import sys

import numpy as np
import torch
from PIL import Image
from transformers import ViTConfig, ViTImageProcessor, ViTModel

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "reference"))
import cggm_reference as ref  # noqa: E402


def main():
    out_dir, images, ref_path = sys.argv[1], sys.argv[2:-1], sys.argv[-1]
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    config = ViTConfig(image_size=32, patch_size=8, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                       intermediate_size=128)
    model = ViTModel(config).eval()
    processor = ViTImageProcessor(size={"height": 32, "width": 32})
    dummy = torch.randn(2, 3, 32, 32)
    torch.onnx.export(
        model, (dummy,), os.path.join(out_dir, "model.onnx"),
        input_names=["pixel_values"], output_names=["last_hidden_state", "pooler_output"],
        dynamic_axes={"pixel_values": {0: "batch_size", 1: "num_channels", 2: "height", 3: "width"},
                      "last_hidden_state": {0: "batch_size", 1: "sequence_length"},
                      "pooler_output": {0: "batch_size"}},
        opset_version=14, do_constant_folding=True)
    config.save_pretrained(out_dir)
    processor.save_pretrained(out_dir)
    pixels = processor(images=[Image.open(p).convert("RGB") for p in images], return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        hidden = model(pixel_values=pixels).last_hidden_state
    ref.save_safetensors(ref_path, {"last_hidden_state": hidden, "pixel_values": pixels})
    print("exported", out_dir, "reference", tuple(hidden.shape), "max |x|", float(np.abs(hidden.numpy()).max()))


if __name__ == "__main__":
    main()
