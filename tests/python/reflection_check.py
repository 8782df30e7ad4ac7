"""Asks a cggm server what it serves with grpcio-reflection's standard client, which speaks
grpc.reflection.v1alpha only (as do grpcurl's older releases and most tools).

Prints one JSON line: the services listed with the token, the methods of cggm.v1.TrainingService
as resolved from the server's file descriptors, and the status code of the same question asked
without the token.
"""
import argparse
import json

import grpc
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase


class _Bearer(grpc.StreamStreamClientInterceptor):
    """Adds `authorization: Bearer <token>` to every (streaming) call: reflection is one."""

    def __init__(self, token):
        self._metadata = (("authorization", "Bearer " + token),)

    def intercept_stream_stream(self, continuation, details, request_iterator):
        details = details._replace(metadata=tuple(details.metadata or ()) + self._metadata)
        return continuation(details, request_iterator)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--target", required=True)
    p.add_argument("--token-file", required=True)
    a = p.parse_args()
    token = open(a.token_file).read().strip()
    out = {}
    with grpc.insecure_channel(a.target) as plain:
        try:
            ProtoReflectionDescriptorDatabase(plain).get_services()
            out["without_token"] = "OK"
        except grpc.RpcError as e:
            out["without_token"] = e.code().name
        db = ProtoReflectionDescriptorDatabase(grpc.intercept_channel(plain, _Bearer(token)))
        out["services"] = sorted(db.get_services())
        service = DescriptorPool(db).FindServiceByName("cggm.v1.TrainingService")
        out["training_methods"] = sorted(m.name for m in service.methods)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
