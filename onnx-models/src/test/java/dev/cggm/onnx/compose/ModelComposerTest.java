package dev.cggm.onnx.compose;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Tensors;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Opset-11 models brought to 17 compute what ONNX Runtime computes for them at 11, and composed
 * models what their parts compute one after the other.
 */
class ModelComposerTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    /** x [2, 3, 4] → Softmax(axis 1, i.e. over the flattened 3×4 at opset 11) → Unsqueeze(axes [0]) → ReduceSum(axes [3]). */
    private static ModelProto opset11Model(boolean rankKnown) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("old")
                .addInput(info("x", 2, 3, 4))
                .addOutput(info("y", 1, 2, 3));
        g.addNode(NodeProto.newBuilder().setName("sm").setOpType("Softmax").addInput("x").addOutput("s")
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1)));
        g.addNode(NodeProto.newBuilder().setName("un").setOpType("Unsqueeze").addInput("s").addOutput("u")
                .addAttribute(AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS).addInts(0)));
        g.addNode(NodeProto.newBuilder().setName("rs").setOpType("ReduceSum").addInput("u").addOutput("y")
                .addAttribute(AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS).addInts(3))
                .addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(0)));
        if (!rankKnown) {
            g.clearInput().addInput(ValueInfoProto.newBuilder().setName("x").setType(TypeProto.newBuilder()
                    .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
        }
        return ModelProto.newBuilder().setIrVersion(6).setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(11)).build();
    }

    @Test
    void upgradedOpset11ModelComputesTheSame() throws Exception {
        float[] x = random(24, 1);
        ModelProto old = opset11Model(false);
        float[] expected = run(old, Map.of("x", x), new long[] {2, 3, 4}, "y");
        ModelProto up = OpsetUpgrade.toTarget(old);
        assertEquals(17, OpsetUpgrade.opset(up));
        assertArrayEquals(expected, run(up, Map.of("x", x), new long[] {2, 3, 4}, "y"), 1e-6f);
        // the old Softmax normalised over 12 values: the 6 outputs (sums over the last axis) add up to 2
        double total = 0;
        for (float v : expected) {
            total += v;
        }
        assertEquals(2.0, total, 1e-5);
        // an op whose meaning may have changed is refused, not passed through
        ModelProto bad = old.toBuilder().setGraph(old.getGraph().toBuilder().setNode(0,
                old.getGraph().getNode(0).toBuilder().setOpType("Dropout"))).build();
        GraphException e = assertThrows(GraphException.class, () -> OpsetUpgrade.toTarget(bad));
        assertTrue(e.getMessage().contains("Dropout"), e.getMessage());
    }

    @Test
    void composedModelChainsItsParts() throws Exception {
        ModelComposer c = new ModelComposer("chain");
        Map<String, String> first = c.add(opset11Model(true), "first", Map.of());
        // second part: z = y * 3 (opset 17), reading the first part's output
        GraphProto.Builder g = GraphProto.newBuilder().setName("times3").addInput(info("y", 1, 2, 3))
                .addOutput(info("z", 1, 2, 3)).addInitializer(Tensors.floats("three", new long[0], new float[] {3}));
        g.addNode(NodeProto.newBuilder().setName("m").setOpType("Mul").addInput("y").addInput("three").addOutput("z"));
        g.addNode(NodeProto.newBuilder().setName("unused").setOpType("Neg").addInput("y").addOutput("dead"));
        ModelProto second = ModelProto.newBuilder().setIrVersion(8).setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17)).build();
        Map<String, String> out = c.add(second, "second", Map.of("y", first.get("y")));
        c.output(out.get("z"), "result", info("result", 1, 2, 3));
        ModelProto composed = c.build(Map.of("note", "test"));
        assertTrue(composed.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("Neg")),
                "nodes no output needs are pruned");

        float[] x = random(24, 2);
        float[] y = run(opset11Model(true), Map.of("x", x), new long[] {2, 3, 4}, "y");
        float[] z = run(composed, Map.of("x", x), new long[] {2, 3, 4}, "result");
        for (int i = 0; i < y.length; i++) {
            assertEquals(3 * y[i], z[i], 1e-6f);
        }
        assertThrows(GraphException.class, () -> c.add(second, "second", Map.of()));
        assertThrows(GraphException.class, () -> new ModelComposer("x").add(second, "p", Map.of("nope", "y")));
    }

    private static float[] run(ModelProto m, Map<String, float[]> inputs, long[] shape, String output) throws Exception {
        try (OrtSession s = ENV.createSession(m.toByteArray(), new OrtSession.SessionOptions())) {
            var e = inputs.entrySet().iterator().next();
            try (OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(e.getValue()), shape);
                 OrtSession.Result r = s.run(Map.of(e.getKey(), t), java.util.Set.of(output))) {
                FloatBuffer b = ((OnnxTensor) r.get(0)).getFloatBuffer();
                float[] out = new float[b.remaining()];
                b.get(out);
                return out;
            }
        }
    }

    private static ValueInfoProto info(String name, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian() * 2;
        }
        return v;
    }
}
