"""Runs exported inference models in Python onnxruntime and compares them with expected outputs.

usage: check_exports.py STORE SPLIT CASES.json

CASES.json: {"<label>": {"model": "<inference_model.onnx>", "expected": [[...], ...]}} with the JVM's
outputs for the split's rows in order. Prints one JSON object: {"<label>": {"max_abs_diff": ...,
"argmax_agreement": ..., "ok": true|false}}.
"""
import json
import os
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cggm_client import read_split  # noqa: E402


def main(store, split, cases_path, tolerance=1e-4):
    _, inputs = read_split(Path(store), split)
    cases = json.loads(Path(cases_path).read_text())
    result = {}
    for label, case in cases.items():
        session = ort.InferenceSession(case["model"], providers=["CPUExecutionProvider"])
        wanted = {i.name for i in session.get_inputs()}
        (local,) = session.run(None, {k: v for k, v in inputs.items() if k in wanted})
        expected = np.asarray(case["expected"], dtype=np.float32).reshape(local.shape)
        diff = float(np.max(np.abs(local - expected)))
        agree = float(np.mean(local.argmax(axis=1) == expected.argmax(axis=1)))
        result[label] = {"max_abs_diff": diff, "argmax_agreement": agree,
                         "ok": diff <= tolerance * max(1.0, float(np.max(np.abs(expected))))}
    print(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:4])
