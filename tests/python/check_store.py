"""Reads a cggm feature store with pyarrow and checks it against what the Java reader saw.

Usage: check_store.py STORE EXPECTED.json

EXPECTED (written by the Java test) holds, per split, the ids, labels, lengths, per-row sums
and leading values of each feature column as the Java FeatureStore API read them. Checks the
Arrow schema (types, list sizes, field metadata) against manifest.json, then every value.
Prints 'pyarrow store check: N passed, M failed' and exits non-zero on any failure.
"""
import json
import math
import sys

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc


def main():
    store, expected_path = sys.argv[1], sys.argv[2]
    with open(expected_path) as f:
        expected = json.load(f)
    with open(f"{store}/manifest.json") as f:
        manifest = json.load(f)
    passed, failed = 0, []

    def check(ok, what):
        nonlocal passed
        if ok:
            passed += 1
        else:
            failed.append(what)

    precision = manifest["precision"]
    value_type = pa.float32() if precision == "float32" else pa.float16()
    check(manifest["status"] == "complete", "manifest status")
    for split, exp in expected["splits"].items():
        info = manifest["splits"][split]
        tables = []
        for shard in info["shards"]:
            with ipc.open_file(f"{store}/{shard['file']}") as reader:
                tables.append(reader.read_all())
                check(reader.num_record_batches >= (1 if shard["rows"] else 0), f"{shard['file']} record batches")
        table = pa.concat_tables(tables)
        schema = table.schema
        check(schema.field("id").type == pa.string() and not schema.field("id").nullable, f"{split}: id utf8")
        check(schema.field("label").type == pa.int64(), f"{split}: label int64")
        check(table.num_rows == exp["rows"] == info["rows"], f"{split}: rows")
        check(table.column("id").to_pylist() == exp["ids"], f"{split}: ids")
        check(table.column("label").to_pylist() == exp["labels"], f"{split}: labels")
        for m in manifest["modalities"]:
            name, shape = m["name"], m["shape"]
            width = math.prod(shape)
            field = schema.field(name)
            check(pa.types.is_fixed_size_list(field.type) and field.type.list_size == width,
                  f"{split}: {name} is fixed_size_list[{width}]")
            check(field.type.value_type == value_type, f"{split}: {name} values are {value_type}")
            meta = {k.decode(): v.decode() for k, v in (field.metadata or {}).items()}
            check(json.loads(meta.get("cggm.shape", "null")) == shape, f"{split}: {name} cggm.shape metadata")
            check(meta.get("cggm.pooling") == m["pooling"], f"{split}: {name} cggm.pooling metadata")
            check(schema.field(m["length_column"]).type == pa.int32(), f"{split}: {m['length_column']} int32")
            check(table.column(m["length_column"]).to_pylist() == exp["lengths"][name], f"{split}: {name} lengths")
            values = table.column(name).combine_chunks().flatten().to_numpy(zero_copy_only=False)
            rows = values.reshape(table.num_rows, width).astype(np.float64)
            sums = rows.sum(axis=1)
            check(np.allclose(sums, exp["sums"][name], rtol=1e-9, atol=1e-6), f"{split}: {name} row sums")
            lead = np.asarray(exp["leading"][name], dtype=np.float64)
            check(np.array_equal(rows[:, :lead.shape[1]].astype(np.float32), lead.astype(np.float32)),
                  f"{split}: {name} leading values")
    print(f"pyarrow store check: {passed} passed, {len(failed)} failed")
    for what in failed:
        print(f"  FAILED: {what}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
