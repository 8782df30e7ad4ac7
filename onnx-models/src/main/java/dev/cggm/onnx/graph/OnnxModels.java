package dev.cggm.onnx.graph;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Converts between {@link Graph} and ONNX {@link ModelProto}, and reads/writes model files. */
public final class OnnxModels {
    /** ONNX IR version written (8 = ONNX 1.10+, understood by every ONNX Runtime we support). */
    public static final long IR_VERSION = 8;
    public static final String PRODUCER = "cggm";

    private OnnxModels() {
    }

    /** The model proto of a graph (opset {@value Graph#OPSET}). */
    public static ModelProto toProto(Graph g) {
        GraphProto.Builder gp = GraphProto.newBuilder().setName(g.name());
        for (String in : g.inputs()) {
            gp.addInput(valueInfo(in, g.type(in)));
        }
        for (String out : g.outputs()) {
            gp.addOutput(valueInfo(out, g.type(out)));
        }
        gp.addAllInitializer(g.initializers().values());
        for (Node n : g.nodes()) {
            NodeProto.Builder np = NodeProto.newBuilder()
                    .setName(n.name()).setOpType(n.opType()).setDomain(n.domain())
                    .addAllInput(n.inputs()).addAllOutput(n.outputs()).addAllAttribute(n.attributes());
            gp.addNode(np);
        }
        ModelProto.Builder mp = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName(PRODUCER)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(Graph.OPSET))
                .setGraph(gp);
        if (!g.stopGradient().isEmpty()) {
            mp.addMetadataProps(StringStringEntryProto.newBuilder()
                    .setKey(Graph.STOP_GRADIENT_METADATA).setValue(String.join("\n", g.stopGradient())));
        }
        g.metadata().forEach((k, v) -> mp.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return mp.build();
    }

    private static ValueInfoProto valueInfo(String name, TensorType t) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Dim d : t.shape().dims()) {
            TensorShapeProto.Dimension.Builder db = TensorShapeProto.Dimension.newBuilder();
            if (d.isKnown()) {
                db.setDimValue(d.size());
            } else if (!d.isUnknown()) {
                db.setDimParam(d.symbol());
            }
            shape.addDim(db);
        }
        TypeProto type = TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(t.dtype().code()).setShape(shape)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }

    /**
     * Reads a model into a typed graph, running our type inference on every node. Only the
     * ai.onnx domain and the ops in {@link dev.cggm.onnx.ops.OpRegistry} are accepted; anything
     * else is an error naming the op and the node.
     */
    public static Graph fromProto(ModelProto model) {
        for (OperatorSetIdProto opset : model.getOpsetImportList()) {
            if ((opset.getDomain().isEmpty() || opset.getDomain().equals("ai.onnx"))
                    && (opset.getVersion() < 13 || opset.getVersion() > Graph.OPSET)) {
                throw new GraphException("model uses ai.onnx opset " + opset.getVersion()
                        + "; supported are opsets 13 to " + Graph.OPSET + " (convert it with onnx.version_converter)");
            }
        }
        GraphProto gp = model.getGraph();
        Graph g = new Graph(gp.getName().isEmpty() ? "graph" : gp.getName());
        List<String> initNames = new ArrayList<>();
        for (TensorProto t : gp.getInitializerList()) {
            g.addInitializer(t);
            initNames.add(t.getName());
        }
        for (ValueInfoProto vi : gp.getInputList()) {
            if (!initNames.contains(vi.getName())) {
                g.addInput(vi.getName(), tensorType(vi));
            }
        }
        for (NodeProto np : gp.getNodeList()) {
            Node n = new Node(np.getName().isEmpty() ? np.getOpType() + "_" + g.nodes().size() : np.getName(),
                    np.getOpType(), np.getDomain(), np.getInputList(), np.getOutputList(), np.getAttributeList());
            for (String in : n.inputs()) {
                if (!in.isEmpty() && !g.hasValue(in)) {
                    throw new GraphException(n.describe() + " reads '" + in
                            + "', which is not defined before it (nodes must be in topological order)");
                }
            }
            g.addNode(n, GraphBuilder.infer(g, n));
        }
        for (ValueInfoProto vi : gp.getOutputList()) {
            g.addOutput(vi.getName());
        }
        for (StringStringEntryProto e : model.getMetadataPropsList()) {
            if (e.getKey().equals(Graph.STOP_GRADIENT_METADATA)) {
                for (String v : e.getValue().split("\n")) {
                    if (!v.isEmpty()) {
                        g.markStopGradient(v);
                    }
                }
            } else {
                g.metadata().put(e.getKey(), e.getValue());
            }
        }
        return g;
    }

    private static TensorType tensorType(ValueInfoProto vi) {
        if (!vi.getType().hasTensorType()) {
            throw new GraphException("input '" + vi.getName() + "' is not a tensor");
        }
        TypeProto.Tensor tt = vi.getType().getTensorType();
        if (!tt.hasShape()) {
            throw new GraphException("input '" + vi.getName() + "' has no shape (rank must be known)");
        }
        List<Dim> dims = new ArrayList<>();
        for (TensorShapeProto.Dimension d : tt.getShape().getDimList()) {
            if (d.hasDimValue()) {
                dims.add(Dim.of(d.getDimValue()));
            } else if (d.hasDimParam() && !d.getDimParam().isEmpty()) {
                dims.add(Dim.sym(d.getDimParam()));
            } else {
                dims.add(Dim.unknown());
            }
        }
        return new TensorType(DType.fromCode(tt.getElemType()), new Shape(dims));
    }

    public static byte[] toBytes(Graph g) {
        return toProto(g).toByteArray();
    }

    public static void save(Graph g, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            toProto(g).writeTo(out);
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public static ModelProto readProto(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return ModelProto.parseFrom(in);
        }
    }

    public static Graph load(Path file) throws IOException {
        return fromProto(readProto(file));
    }
}
