"""Runs a segmentation bundle's model.onnx in Python onnxruntime on a store split and compares with the JVM.

usage: check_segmentation_export.py BUNDLE STORE SPLIT EXPECTED.json

The bundle's model card names the channel order of its one input, ``image`` [batch, C, H, W]; the
split's slices (one modality each, [N, H, W]) are stacked in that order. EXPECTED.json:
{"output": [[...], ...]} with the JVM's scores of the run's inference model, row by row. Prints one JSON
object: {"max_abs_diff", "class_map_agreement", "class_map_matches_argmax", "probabilities_sum_to_one",
"class_map_dtype", "shapes", "ok"}.
"""
import json
import os
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cggm_client import read_split  # noqa: E402


def main(bundle, store, split, expected_path, tolerance=1e-4):
    card = json.loads((Path(bundle) / "model.json").read_text())
    channels = card["inputs"]["image"]["channels"]
    _, inputs = read_split(Path(store), split)
    image = np.stack([inputs[m] for m in channels], axis=1).astype(np.float32)
    session = ort.InferenceSession(str(Path(bundle) / "model.onnx"), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    got = dict(zip(names, session.run(None, {"image": image})))
    expected = np.asarray(json.loads(Path(expected_path).read_text())["output"], dtype=np.float32)
    expected = expected.reshape(got["output"].shape)
    diff = float(np.max(np.abs(got["output"] - expected)))
    class_map = got["class_map"]
    agreement = float(np.mean(class_map == expected.argmax(axis=1)))
    own_argmax = bool(np.array_equal(class_map, got["output"].argmax(axis=1)))
    sums = got["probabilities"].sum(axis=1)
    ok_sums = bool(np.allclose(sums, 1.0, atol=1e-5))
    result = {"max_abs_diff": diff, "class_map_agreement": agreement, "class_map_matches_argmax": own_argmax,
              "probabilities_sum_to_one": ok_sums, "class_map_dtype": str(class_map.dtype),
              "shapes": {k: list(v.shape) for k, v in got.items()}, "input_shape": list(image.shape)}
    result["ok"] = (diff <= tolerance * max(1.0, float(np.max(np.abs(expected)))) and agreement >= 0.999
                    and own_argmax and ok_sums and class_map.dtype == np.int64)
    print(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:5])
