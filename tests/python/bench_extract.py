"""The extraction benchmark's Python side: the same encoders in a plain onnxruntime loop.

usage: bench_extract.py MANIFEST.jsonl SPLIT N BATCH MAX_LENGTH THREADS TEXT.onnx TOKENIZER.json IMAGE.onnx PREPROCESSOR.json

What a Python pipeline would write: HF tokenizers (padding and truncation to MAX_LENGTH, batch
encoding), Pillow + numpy pre-processing per preprocessor_config.json (pipeline_predict.py's),
and the two onnxruntime sessions run on each batch. Sessions are created before the clock starts,
as the JVM pipeline's are. Prints `RESULT samples_per_second`.
"""
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pipeline_predict import pixel_values  # noqa: E402


def main():
    manifest, split, n, batch, max_length, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), \
        int(sys.argv[5]), int(sys.argv[6])
    text_model, tokenizer_file, image_model, pre_file = sys.argv[7:11]
    samples = []
    for line in open(manifest):
        s = json.loads(line)
        if s["split"] == split and len(samples) < n:
            samples.append(s)
    base = os.path.dirname(os.path.abspath(manifest))
    tok = Tokenizer.from_file(tokenizer_file)
    tok.enable_truncation(max_length)
    tok.enable_padding(length=max_length, pad_id=0, pad_token="[PAD]")
    pre = json.load(open(pre_file))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    text = ort.InferenceSession(text_model, opts, providers=["CPUExecutionProvider"])
    image = ort.InferenceSession(image_model, opts, providers=["CPUExecutionProvider"])
    text_inputs = {i.name for i in text.get_inputs()}
    t0 = time.perf_counter()
    for i in range(0, len(samples), batch):
        b = samples[i:i + batch]
        enc = tok.encode_batch([s["text"] for s in b])
        feeds = {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                 "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                 "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64)}
        pixels = np.concatenate([pixel_values(os.path.join(base, s["image"]), pre) for s in b])
        text.run(["last_hidden_state"], {k: v for k, v in feeds.items() if k in text_inputs})
        image.run(["last_hidden_state"], {"pixel_values": pixels})
    print("RESULT %.3f" % (len(samples) / (time.perf_counter() - t0)))


if __name__ == "__main__":
    main()
