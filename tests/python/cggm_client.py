"""Python client of the cggm gRPC API (package cggm.v1), and a runnable end-to-end example.

The stubs are generated from the repository's .proto files with grpcio-tools when this module is
imported (into a temporary directory; nothing generated is kept in the repository).

Library use::

    from cggm_client import CggmClient

    with CggmClient("localhost:50051", token=open("token").read().strip()) as client:
        ext = client.create_extraction(dataset="datasets/demo", format="demo", feature_set_id="demo", limit=64)
        client.wait_extraction(ext.extraction_id)                  # follows WatchExtraction to the end
        run = client.create_run(features="features/demo", preset="tiny", epochs=2, device="cpu")
        for event in client.watch_run(run.run_id):                 # reconnects, resuming after the last sequence
            print(event.sequence, event.WhichOneof("event"))
        client.export_run(run.run_id, "model.onnx")                # the trained model, for any ONNX runtime
        client.export_bundle(run.run_id, "bundle")                 # raw text + pixels in: see README

Command line (the whole flow against a running server, then a check of the exported model in
onnxruntime against the server's own outputs for the same samples)::

    python tests/python/cggm_client.py --target localhost:50051 --token-file TOKEN --data-dir DATA end-to-end

`--data-dir` is the server's data directory: the check reads the feature store's Arrow files
with pyarrow, so it runs where the data directory is visible (the API calls need only --target).
"""
from __future__ import annotations

import argparse
import atexit
import hashlib
import importlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import grpc

# --------------------------------------------------------------------------------------- stubs

REPO = Path(__file__).resolve().parents[2]
PROTO_DIR = REPO / "proto" / "src" / "main" / "proto"


def load_api(proto_dir: Path = PROTO_DIR, out_dir: str | None = None) -> SimpleNamespace:
    """Generates the Python stubs of cggm/v1/*.proto with grpcio-tools and imports them."""
    from grpc_tools import protoc
    import importlib.resources

    out = out_dir
    if out is None:
        out = tempfile.mkdtemp(prefix="cggm-stubs-")
        atexit.register(shutil.rmtree, out, ignore_errors=True)
    well_known = str(importlib.resources.files("grpc_tools") / "_proto")  # google/protobuf/*.proto
    files = sorted(str(p.relative_to(proto_dir)) for p in (proto_dir / "cggm" / "v1").glob("*.proto"))
    rc = protoc.main(["grpc_tools.protoc", f"-I{proto_dir}", f"-I{well_known}", f"--python_out={out}",
                      f"--grpc_python_out={out}", *files])
    if rc != 0:
        raise RuntimeError(f"protoc failed ({rc}) on {files}")
    if out not in sys.path:
        sys.path.insert(0, out)
    mods = {name: importlib.import_module(f"cggm.v1.{name}")
            for name in ("jobs_pb2", "training_pb2", "training_pb2_grpc", "features_pb2", "features_pb2_grpc")}
    from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402  (grpcio-health-checking)
    return SimpleNamespace(**mods, health_pb2=health_pb2, health_pb2_grpc=health_pb2_grpc)


api = load_api()
jobs, training, features = api.jobs_pb2, api.training_pb2, api.features_pb2

TERMINAL = {jobs.JOB_STATE_SUCCEEDED, jobs.JOB_STATE_FAILED, jobs.JOB_STATE_CANCELLED}


def state_name(state: int) -> str:
    return jobs.JobState.Name(state).removeprefix("JOB_STATE_")


# --------------------------------------------------------------------------------------- client

class CggmClient:
    """A thin, typed wrapper: authentication metadata and deadlines on every call, enum values by
    short name (``optimizer="adamw"``), and watch streams that reconnect where they left off."""

    def __init__(self, target: str, token: str, root_certificates: bytes | None = None, timeout: float = 30.0):
        if root_certificates is None:
            self.channel = grpc.insecure_channel(target)
        else:
            self.channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(root_certificates))
        self.metadata = (("authorization", f"Bearer {token}"),)
        self.timeout = timeout  # deadline of unary calls, in seconds
        self.training = api.training_pb2_grpc.TrainingServiceStub(self.channel)
        self.features = api.features_pb2_grpc.FeatureServiceStub(self.channel)
        self.health = api.health_pb2_grpc.HealthStub(self.channel)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.channel.close()

    def _call(self, method, request, timeout=None):
        return method(request, metadata=self.metadata, timeout=timeout or self.timeout)

    # health (needs no token)
    def serving(self) -> bool:
        reply = self.health.Check(api.health_pb2.HealthCheckRequest(service=""), timeout=self.timeout)
        return reply.status == api.health_pb2.HealthCheckResponse.SERVING

    # ----- feature extraction
    def create_extraction(self, dataset: str, format: str, feature_set_id: str = "", **options):
        """Options as `./cggm extract`: text_encoder, image_encoder, max_length, device, batch_size, limit, ..."""
        enums = {"format": "DATASET_FORMAT", "text_pooling": "POOLING", "image_pooling": "POOLING",
                 "precision": "PRECISION"}
        opts = features.ExtractionOptions(dataset=dataset, **_enums({"format": format, **options}, enums))
        return self._call(self.features.CreateExtraction,
                          features.CreateExtractionRequest(feature_set_id=feature_set_id, options=opts))

    def create_import(self, dataset: str, format: str, feature_set_id: str = "", **options):
        """Options as `./cggm import`: shard_size, cv, norm, label_names, id_column, target_column, task,
        modalities=[{"name": "text", "column": "text_emb", "shape": [50, 300], "length_column": ""}], ...
        The job is an extraction: follow it with wait_extraction."""
        enums = {"format": "IMPORT_FORMAT", "precision": "PRECISION"}
        modalities = [features.TableModality(**m) for m in options.pop("modalities", [])]
        opts = features.ImportOptions(dataset=dataset, modalities=modalities,
                                      **_enums({"format": format, **options}, enums))
        return self._call(self.features.CreateImport,
                          features.CreateImportRequest(feature_set_id=feature_set_id, options=opts))

    def watch_extraction(self, extraction_id: str, after_sequence: int = 0):
        yield from self._watch(self.features.WatchExtraction,
                               lambda after: features.WatchExtractionRequest(extraction_id=extraction_id,
                                                                             after_sequence=after))

    def wait_extraction(self, extraction_id: str, on_event=None):
        """Follows the extraction to its end; returns it (raises if it did not succeed)."""
        for event in self.watch_extraction(extraction_id):
            if on_event:
                on_event(event)
        ext = self._call(self.features.GetExtraction, features.GetExtractionRequest(extraction_id=extraction_id))
        if ext.state != jobs.JOB_STATE_SUCCEEDED:
            raise RuntimeError(f"extraction {extraction_id} ended {state_name(ext.state)}: {ext.state_reason}")
        return ext

    def list_feature_sets(self):
        token = ""
        while True:
            page = self._call(self.features.ListFeatureSets, features.ListFeatureSetsRequest(page_token=token))
            yield from page.feature_sets
            token = page.next_page_token
            if not token:
                return

    # ----- training
    def create_run(self, features: str, preset: str, run_id: str = "", method_options: dict = None, **options):
        """Options as `./cggm train`: method="cggm"|"joint"|..., method_options={"rho": 1.5, ...}, epochs,
        batch_size, lr, device, seed, ... (list_methods() says what each method takes)."""
        enums = {"modulation": "MODULATION", "direction": "CGGM_DIRECTION", "coefficients": "CGGM_COEFFICIENTS",
                 "optimizer": "OPTIMIZER", "scheduler": "SCHEDULER", "select_by": "SELECT_BY"}
        opts = training.TrainOptions(features=features, preset=preset, **_enums(options, enums))
        if method_options:
            opts.method_options.update(method_options)
        return self._call(self.training.CreateRun, training.CreateRunRequest(run_id=run_id, options=opts))

    def list_methods(self, preset: str = "tiny"):
        """The server's balancing methods, their options (type, default for `preset`) and variants."""
        return self._call(self.training.ListMethods, training.ListMethodsRequest(preset=preset))

    def get_run(self, run_id: str):
        return self._call(self.training.GetRun, training.GetRunRequest(run_id=run_id))

    def list_runs(self, states=()):
        token = ""
        while True:
            page = self._call(self.training.ListRuns, training.ListRunsRequest(page_token=token, states=list(states)))
            yield from page.runs
            token = page.next_page_token
            if not token:
                return

    def pause_run(self, run_id: str):
        return self._call(self.training.PauseRun, training.PauseRunRequest(run_id=run_id))

    def resume_run(self, run_id: str):
        return self._call(self.training.ResumeRun, training.ResumeRunRequest(run_id=run_id))

    def cancel_run(self, run_id: str):
        return self._call(self.training.CancelRun, training.CancelRunRequest(run_id=run_id))

    def watch_run(self, run_id: str, after_sequence: int = 0):
        """The run's events in order; ends after its terminal state (stays open while it is paused)."""
        yield from self._watch(self.training.WatchRun,
                               lambda after: training.WatchRunRequest(run_id=run_id, after_sequence=after),
                               after_sequence)

    def export_run(self, run_id: str, path: str):
        """Writes the run's inference_model.onnx to `path`; returns its description (checked: size, sha256)."""
        described, digest, size = None, hashlib.sha256(), 0
        with open(path, "wb") as f:
            for part in self.training.ExportRun(training.ExportRunRequest(run_id=run_id), metadata=self.metadata,
                                                timeout=300):
                if part.HasField("model"):
                    described = part.model
                else:
                    f.write(part.chunk)
                    digest.update(part.chunk)
                    size += len(part.chunk)
        if described is None or size != described.size_bytes or digest.hexdigest() != described.sha256:
            raise RuntimeError(f"export of {run_id} is incomplete or corrupt ({size} bytes)")
        return described

    def export_bundle(self, run_id: str, directory: str):
        """Writes the run's pipeline bundle (model.onnx from raw inputs, encoders, tokenizer.json,
        preprocessor_config.json, model.json) into `directory`; returns its description. Every file
        is checked against the SHA-256 the server announced for it."""
        os.makedirs(directory, exist_ok=True)
        described, current, digest, written = None, None, None, {}

        def finish():
            if current is not None:
                current[1].close()
                written[current[0].path] = digest.hexdigest()

        request = training.ExportRunRequest(run_id=run_id, format=training.EXPORT_FORMAT_BUNDLE, chunk_size=1 << 20)
        try:
            for part in self.training.ExportRun(request, metadata=self.metadata, timeout=600):
                kind = part.WhichOneof("part")
                if kind == "model":
                    described = part.model
                elif kind == "file":
                    finish()
                    current, digest = (part.file, open(os.path.join(directory, part.file.path), "wb")), hashlib.sha256()
                else:
                    current[1].write(part.chunk)
                    digest.update(part.chunk)
        finally:
            finish()
        expected = {f.path: f.sha256 for f in described.files} if described is not None else None
        if expected != written:
            raise RuntimeError(f"bundle export of {run_id} is incomplete or corrupt: {sorted(written)}")
        return described

    def predict_run(self, run_id: str, split: str = "test", features: str = ""):
        """The server's outputs of the run's model: {sample_id: (label, [outputs])}, in row order."""
        out = {}
        for batch in self.training.PredictRun(training.PredictRunRequest(run_id=run_id, split=split,
                                                                         features=features),
                                              metadata=self.metadata, timeout=300):
            for p in batch.predictions:
                out[p.sample_id] = (p.label, list(p.output))
        return out

    # ----- streams
    def _watch(self, method, request_after, after_sequence=0, retries=5):
        """Yields events after `after_sequence`; on UNAVAILABLE (server restarting) reconnects after the
        last sequence seen, so nothing is missed or repeated."""
        last, failures = after_sequence, 0
        while True:
            try:
                for event in method(request_after(last), metadata=self.metadata):
                    last, failures = event.sequence, 0
                    yield event
                return  # the stream ended: the job reached a terminal state
            except grpc.RpcError as e:
                if e.code() != grpc.StatusCode.UNAVAILABLE or failures >= retries:
                    raise
                failures += 1
                time.sleep(min(2.0 ** failures, 10.0))


def _enums(options: dict, enums: dict) -> dict:
    """{"modulation": "cggm"} -> {"modulation": "MODULATION_CGGM"} for the enum fields."""
    return {k: (f"{enums[k]}_{v.upper()}" if k in enums and isinstance(v, str) else v) for k, v in options.items()}


# --------------------------------------------------------------------------------------- check

def read_split(store: Path, split: str):
    """A feature store split as {modality: float32 array [N, L, D]} plus ids, read with pyarrow."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.ipc as ipc

    manifest = json.loads((store / "manifest.json").read_text())
    tables = []
    for shard in manifest["splits"][split]["shards"]:
        with ipc.open_file(store / shard["file"]) as reader:
            tables.append(reader.read_all())
    table = pa.concat_tables(tables)
    inputs = {}
    for m in manifest["modalities"]:
        shape = m["shape"] if len(m["shape"]) == 2 else [1, m["shape"][0]]
        values = table.column(m["name"]).combine_chunks().flatten().to_numpy(zero_copy_only=False)
        inputs[m["name"]] = values.astype(np.float32).reshape(table.num_rows, *shape)
    return table.column("id").to_pylist(), inputs


def check_model(model_path: str, store: Path, split: str, served: dict, tolerance: float = 1e-4):
    """Runs the exported model in onnxruntime on the split and compares with the server's outputs."""
    import numpy as np
    import onnxruntime as ort

    ids, inputs = read_split(store, split)
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    wanted = {i.name for i in session.get_inputs()}
    (local,) = session.run(None, {k: v for k, v in inputs.items() if k in wanted})
    server = np.array([served[i][1] for i in ids], dtype=np.float32)
    diff = float(np.max(np.abs(local - server))) if len(ids) else 0.0
    agree = float(np.mean(local.argmax(axis=1) == server.argmax(axis=1))) if len(ids) else 1.0
    return {"samples": len(ids), "max_abs_diff": diff, "argmax_agreement": agree,
            "ok": len(ids) == len(served) and diff <= tolerance * max(1.0, float(np.max(np.abs(server))))}


# --------------------------------------------------------------------------------------- example

def end_to_end(client: CggmClient, args) -> dict:
    """Extract features, train, watch, export, and check the model against the server."""
    assert client.serving(), "server is not SERVING"
    summary = {}

    print(f"extracting {args.dataset} ({args.format}) into feature set {args.feature_set}...", flush=True)
    ext = client.create_extraction(args.dataset, args.format, feature_set_id=args.feature_set, device="cpu",
                                   limit=args.limit, max_length=args.max_length, batch_size=16)
    ext = client.wait_extraction(ext.extraction_id, on_event=lambda e: e.HasField("progress") and print(
        f"  {e.progress.split}: {e.progress.done}/{e.progress.total}", flush=True))
    fs = next(f for f in client.list_feature_sets() if f.feature_set_id == args.feature_set)
    print(f"feature set {fs.path}: " + ", ".join(f"{s.name} {s.rows} rows" for s in fs.splits), flush=True)

    run = client.create_run(fs.path, "tiny", epochs=args.epochs, batch_size=8, device="cpu", threads=2,
                            method="cggm", method_options={"coefficients": "guarded"})
    print(f"run {run.run_id} {state_name(run.state)}", flush=True)
    sequences, kinds = [], {}
    for event in client.watch_run(run.run_id):
        sequences.append(event.sequence)
        kind = event.WhichOneof("event")
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind == "state_change":
            print(f"  #{event.sequence} {state_name(event.state_change.state)} {event.state_change.reason}", flush=True)
        elif kind == "epoch":
            v = event.epoch.validation
            loss = v.loss if v.HasField("loss") else float("nan")  # unset: not finite (never 0 in its place)
            print(f"  #{event.sequence} epoch {event.epoch.epoch}: val loss {loss:.4f}, acc "
                  f"{v.task_metrics['acc']:.3f}, per-modality {dict(v.classifier_accuracy)}", flush=True)
    run = client.get_run(run.run_id)
    if run.state != jobs.JOB_STATE_SUCCEEDED:
        raise RuntimeError(f"run {run.run_id} ended {state_name(run.state)}: {run.state_reason}")
    summary["run_id"] = run.run_id
    summary["events"] = len(sequences)
    summary["event_kinds"] = kinds
    summary["sequences_in_order"] = sequences == list(range(1, len(sequences) + 1))
    summary["test_acc"] = run.result.test.task_metrics["acc"]

    model = os.path.join(args.workdir, f"{run.run_id}.onnx")
    described = client.export_run(run.run_id, model)
    print(f"exported {described.file_name} ({described.size_bytes} bytes, sha256 {described.sha256[:12]}...), "
          f"inputs {[(i.name, list(i.shape)) for i in described.inputs]}", flush=True)
    served = client.predict_run(run.run_id, split="test")
    check = check_model(model, Path(args.data_dir) / fs.path, "test", served)
    print(f"onnxruntime vs server on {check['samples']} test samples: max |diff| {check['max_abs_diff']:.2e}, "
          f"argmax agreement {check['argmax_agreement']:.3f}", flush=True)
    summary["model_check"] = check

    bundle = client.export_bundle(run.run_id, os.path.join(args.workdir, f"{run.run_id}-bundle"))
    print(f"exported the pipeline bundle: {[f.path for f in bundle.files]}, inputs "
          f"{[(i.name, list(i.shape)) for i in bundle.inputs]}", flush=True)
    summary["bundle_files"] = [f.path for f in bundle.files]
    summary["ok"] = check["ok"] and summary["sequences_in_order"] and "model.onnx" in summary["bundle_files"]
    return summary


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--target", default="localhost:50051", help="server address (host:port)")
    p.add_argument("--token-file", required=True, help="file with the bearer token")
    p.add_argument("--tls-ca", help="PEM root certificate(s) to trust (TLS); plaintext without")
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("end-to-end", help="extract, train, watch, export and check a model")
    e.add_argument("--data-dir", required=True, help="the server's data directory (read for the model check)")
    e.add_argument("--dataset", default="datasets/demo", help="dataset path, relative to the data directory")
    e.add_argument("--format", default="demo", choices=["demo", "jsonl", "food101"])
    e.add_argument("--feature-set", default="demo-small", help="id of the feature set to create")
    e.add_argument("--limit", type=int, default=64, help="entries per split (0 = all)")
    e.add_argument("--max-length", type=int, default=12)
    e.add_argument("--epochs", type=int, default=2)
    e.add_argument("--workdir", default=tempfile.gettempdir(), help="where the exported model is written")
    i = sub.add_parser("import", help="import features (mosi pickle, iemocap MMIN layout, tables) and describe them")
    i.add_argument("--dataset", required=True, help="path relative to the data directory")
    i.add_argument("--format", required=True, choices=["mosi", "iemocap", "table"])
    i.add_argument("--feature-set", default="", help="id of the feature set to create")
    i.add_argument("--modality", action="append", default=[], help="table: NAME=COLUMN (repeat)")
    sub.add_parser("runs", help="list the runs")
    args = p.parse_args(argv)

    token = Path(args.token_file).read_text().strip()
    ca = Path(args.tls_ca).read_bytes() if args.tls_ca else None
    with CggmClient(args.target, token, root_certificates=ca) as client:
        if args.command == "runs":
            for r in client.list_runs():
                print(f"{r.run_id}  {state_name(r.state):9}  {r.options.preset:8} {r.options.features}  "
                      f"{r.progress.completed_steps}/{r.progress.total_steps} steps  {r.state_reason}")
            return 0
        if args.command == "import":
            mods = [dict(zip(("name", "column"), m.split("=", 1))) for m in args.modality]
            ext = client.wait_extraction(client.create_import(args.dataset, args.format, args.feature_set,
                                                              modalities=mods).extraction_id)
            fs = next(f for f in client.list_feature_sets() if f.feature_set_id == ext.feature_set_id)
            print(json.dumps({"feature_set": fs.feature_set_id, "task": fs.task, "target": fs.target_name,
                              "modalities": {m.name: list(m.shape) for m in fs.modalities},
                              "rows": {s.name: s.rows for s in fs.splits}}, sort_keys=True))
            return 0
        summary = end_to_end(client, args)
        print(json.dumps(summary, sort_keys=True))
        return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
