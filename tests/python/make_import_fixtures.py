"""Writes small datasets in the layouts `cggm import` reads, plus what the store must then hold.

  make_import_fixtures.py mosi OUT [--protocol P] [--legacy-numpy] [--drop SPLIT/KEY] [--bad-shape SPLIT/KEY]
                               [--sizes 7,3,3] [--dims 6,4,3] [--length 5] [--learnable]
  make_import_fixtures.py iemocap OUT [--norm trn|utt] [--cv N]
  make_import_fixtures.py table OUT [--format parquet|arrow|arrow-stream|spark]

Each writes the dataset under OUT and OUT/expected.json: per store split, every row in order
({"id", "target", "bad", "features": {modality: flat float32 values}, "lengths": {...}}), the
expected values computed here with numpy the way the CGGM reference code computes them
(CMUDataset: astype(float32), audio -inf -> 0; IEMODataset: comparE normalisation, then padding).
Bad rows (NaN, +inf, wrong shape, missing key) are marked "bad": true.
"""
import argparse
import json
import os
import pickle

import numpy as np


def f32list(a):
    return [float(x) for x in np.asarray(a, dtype=np.float32).ravel()]


def mosi(out, args):
    rng = np.random.default_rng(7)
    sizes = dict(zip(("train", "valid", "test"), map(int, args.sizes.split(","))))
    dims = dict(zip(("text", "audio", "vision"), map(int, args.dims.split(","))))
    length = args.length
    data, expected = {}, {}
    for split, n in sizes.items():
        d = {}
        for m, dim in dims.items():
            # float64 like the published pickles; values that do not survive float32 exactly
            d[m] = rng.normal(size=(n, length, dim)) * 1.7
        d["audio"][0, 0, :2] = -np.inf           # the reference turns these into 0
        d["labels"] = rng.uniform(-3, 3, size=(n, 1, 1))
        if args.learnable:
            # the sentiment is written into the text: feature 0 of every position carries it
            d["text"][:, :, 0] = d["labels"][:, :, 0] / 3 + rng.normal(scale=0.1, size=(n, length))
        d["id"] = np.array([[("vid%d" % i).encode(), str(i).encode(), str(i + 1).encode()] for i in range(n)])
        bad = set()
        if split == "train":
            d["vision"][2, 1, 0] = np.nan        # a NaN row: skipped and listed
            d["audio"][4, 3, 1] = np.inf         # +inf is not replaced by the reference: skipped
            bad = {2, 4}
        data[split] = d
        store = {"train": "train", "valid": "validation", "test": "test"}[split]
        rows = []
        for i in range(0 if args.no_expected else n):
            feats = {}
            for m in dims:
                v = d[m][i].astype(np.float32)
                if m == "audio":
                    v[v == -np.inf] = 0
                feats[m] = f32list(v)
            rows.append({"id": "vid%d_%d_%d" % (i, i, i + 1), "target": float(np.float32(d["labels"][i, 0, 0])),
                         "bad": i in bad, "features": feats, "lengths": {}})
        expected[store] = rows
    if args.drop:
        split, key = args.drop.split("/")
        del data[split][key]
    if args.bad_shape:
        split, key = args.bad_shape.split("/")
        data[split][key] = data[split][key][:, :, 0]
    blob = pickle.dumps(data, protocol=args.protocol)
    if args.legacy_numpy:
        assert args.protocol <= 2, "--legacy-numpy rewrites GLOBAL opcodes (protocol <= 2)"
        blob = blob.replace(b"numpy._core.", b"numpy.core.")   # what numpy 1.x wrote
    with open(os.path.join(out, "mosi.pkl"), "wb") as f:
        f.write(blob)
    return expected


def iemocap(out, args):
    import h5py
    rng = np.random.default_rng(11)
    shapes = {"text": (22, 1024), "audio": (350, 130), "vision": (50, 342)}
    files = {"text": "L/bert_large.h5", "audio": "A/comparE.h5", "vision": "V/denseface.h5"}
    sets = {"trn": 6, "val": 3, "tst": 3}
    for d in ("A", "V", "L"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    mean = {str(cv): rng.normal(size=130) for cv in range(1, 11)}
    std = {str(cv): rng.uniform(0.5, 2.0, size=130) for cv in range(1, 11)}
    with h5py.File(os.path.join(out, "A/comparE_mean_std.h5"), "w") as h:
        for cv in mean:
            g = h.create_group(cv)
            g["mean"] = mean[cv]
            g["std"] = std[cv]
    h5 = {m: h5py.File(os.path.join(out, f), "w") for m, f in files.items()}
    expected = {}
    cv = str(args.cv)
    for s, n in sets.items():
        target = os.path.join(out, "target", cv)
        os.makedirs(target, exist_ok=True)
        names = ["Ses0%d_%s_%03d" % (1 + k % 5, s, k) for k in range(n)]
        classes = rng.integers(0, 4, size=n)
        np.save(os.path.join(target, s + "_label.npy"), np.eye(4)[classes])
        np.save(os.path.join(target, s + "_int2name.npy"), np.array([[x.encode()] for x in names]))
        rows = []
        for k, name in enumerate(names):
            bad = False
            feats, lengths = {}, {}
            for m, (maxlen, dim) in shapes.items():
                t = maxlen if m != "audio" else int(rng.integers(1 if k else 2, 30))
                if m == "audio" and s == "tst" and k == 1:
                    t = 400                      # longer than the reference's 350: skipped
                    bad = True
                x = rng.normal(size=(t, dim)).astype(np.float32 if m != "text" else np.float64)
                if m == "text" and s == "trn" and k == 2:
                    x[3, 5] = np.nan             # skipped and listed
                    bad = True
                if m == "vision" and s == "val" and k == 0:
                    bad = True                   # missing from denseface.h5: skipped
                    continue
                h5[m][name] = x
                v = x.astype(np.float32)
                if m == "audio":
                    if args.norm == "trn":
                        v = (v - mean[cv].astype(np.float32)) / std[cv].astype(np.float32)
                    else:
                        mu = v.mean(axis=0, dtype=np.float64).astype(np.float32)
                        sd = v.std(axis=0, ddof=1, dtype=np.float64).astype(np.float32)
                        sd[sd == 0] = 1
                        v = (v - mu) / sd
                padded = np.zeros((maxlen, dim), dtype=np.float32)
                padded[:min(t, maxlen)] = v[:maxlen]
                feats[m] = f32list(padded)
                lengths[m] = t
            bad = bad or any(not np.isfinite(v).all() for v in feats.values())   # e.g. utt std of one frame
            rows.append({"id": name, "target": int(classes[k]), "bad": bad, "features": feats, "lengths": lengths})
        expected[{"trn": "train", "val": "validation", "tst": "test"}[s]] = rows
    for f in h5.values():
        f.close()
    return expected


def table(out, args):
    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.ipc as ipc
    import pyarrow.parquet as pq
    rng = np.random.default_rng(5)
    labels = ["cat", "dog", "fox"]
    expected = {}
    for split, n in {"train": 9, "validation": 3, "test": 4}.items():
        ids, ys, texts, audios, lens, rows = [], [], [], [], [], []
        for i in range(n):
            text = rng.normal(size=(4, 3)).astype(np.float32)
            audio = rng.normal(size=5)                 # float64 list: stored as float32
            y = labels[(i * 7 + len(split)) % 3]
            bad = False
            if split == "train" and i == 3:
                audio[2] = np.nan
                bad = True
            if split == "test" and i == 2:
                y = "emu"                               # not a train label: skipped
                bad = True
            ids.append("%s-%d" % (split, i))
            ys.append(y)
            texts.append(text.tolist())
            audios.append(audio.tolist())
            lens.append(1 + i % 4)
            rows.append({"id": ids[-1], "target": labels.index(y) if y in labels else -1, "bad": bad,
                         "features": {"text": f32list(text), "audio": f32list(audio)}, "lengths": {"text": lens[-1]}})
        t = pa.table({
            "id": pa.array(ids),
            "label": pa.array(ys),
            "text_emb": pa.array(texts, type=pa.list_(pa.list_(pa.float32()))),
            "audio_emb": pa.array(audios, type=pa.list_(pa.float64(), 5)),
            "text_len": pa.array(lens, type=pa.int32()),
        })
        if args.format == "parquet":
            pq.write_table(t, os.path.join(out, split + ".parquet"))
        elif args.format == "spark":
            d = os.path.join(out, "split=" + split)
            os.makedirs(d)
            half = (n + 1) // 2
            pq.write_table(t.slice(0, half), os.path.join(d, "part-00000.parquet"))
            pq.write_table(t.slice(half), os.path.join(d, "part-00001.parquet"))
        elif args.format == "arrow":
            feather.write_feather(t, os.path.join(out, split + ".arrow"), compression="uncompressed")
        else:
            with pa.OSFile(os.path.join(out, split + ".arrows"), "wb") as sink, ipc.new_stream(sink, t.schema) as w:
                w.write_table(t, max_chunksize=2)
        expected[split] = rows
    return expected


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["mosi", "iemocap", "table"])
    p.add_argument("out")
    p.add_argument("--protocol", type=int, default=4)
    p.add_argument("--sizes", default="7,3,3", help="mosi: train,valid,test samples")
    p.add_argument("--dims", default="6,4,3", help="mosi: text,audio,vision widths (MOSI: 300,5,20)")
    p.add_argument("--length", type=int, default=5, help="mosi: positions (MOSI: 50)")
    p.add_argument("--learnable", action="store_true", help="mosi: the label is readable from the text")
    p.add_argument("--no-expected", action="store_true", help="mosi: write only the dataset (large sizes)")
    p.add_argument("--legacy-numpy", action="store_true")
    p.add_argument("--drop")
    p.add_argument("--bad-shape")
    p.add_argument("--norm", default="trn")
    p.add_argument("--cv", type=int, default=1)
    p.add_argument("--format", default="parquet")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    expected = {"mosi": mosi, "iemocap": iemocap, "table": table}[args.kind](args.out, args)
    for rows in expected.values():
        for r in rows:
            if r["bad"]:
                r["features"] = {}   # the store skips them (and JSON has no NaN)
    if not args.no_expected:
        with open(os.path.join(args.out, "expected.json"), "w") as f:
            json.dump(expected, f)
    print("ok")


if __name__ == "__main__":
    main()
