package dev.cggm.onnx.testing;

import dev.cggm.onnx.graph.Graph;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.Node;
import dev.cggm.onnx.graph.Value;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A double-precision graph with its Conv and ConvTranspose nodes rewritten into ops ONNX Runtime
 * runs in double (Pad, Slice, Transpose, MatMul, Concat, Reshape), computing the same function.
 * ONNX Runtime's CPU provider has no double Conv kernels, so a float model's gradients (from our
 * Conv rules) can be checked against finite differences of this exact double twin. Covered:
 * Conv with explicit pads, strides and dilations, one group; ConvTranspose whose kernel equals
 * its stride (the up-sampling of U-Nets), no pads, one group. Anything else is refused.
 */
final class DoubleConvolutions {
    private DoubleConvolutions() {
    }

    static Graph emulate(Graph g) {
        Graph out = g.copy();
        List<Node> original = List.copyOf(out.nodes());
        GraphBuilder b = new GraphBuilder(out);
        Map<Node, List<Node>> replaced = new LinkedHashMap<>();
        for (Node n : original) {
            if (!n.opType().equals("Conv") && !n.opType().equals("ConvTranspose")) {
                continue;
            }
            int before = out.nodes().size();
            Value y = n.opType().equals("Conv") ? conv(b, out, n) : convTranspose(b, out, n);
            List<Node> nodes = new ArrayList<>(out.nodes().subList(before, out.nodes().size()));
            nodes.add(new Node(n.name() + "/emulated", "Identity", "", List.of(y.name()), List.of(n.output(0)), List.of()));
            replaced.put(n, nodes);
        }
        List<Node> order = new ArrayList<>();
        for (Node n : original) {
            order.addAll(replaced.getOrDefault(n, List.of(n)));
        }
        out.setNodes(order);
        return out;
    }

    private static Value conv(GraphBuilder b, Graph g, Node n) {
        Value x = g.value(n.input(0));
        Value w = g.value(n.input(1));
        if (n.attrInt("group", 1) != 1 || !n.attrString("auto_pad", "NOTSET").equals("NOTSET")) {
            throw new GraphException("cannot emulate grouped or auto-padded Conv " + n.name());
        }
        long[] pads = orDefault(n.attrInts("pads"), 0, 0, 0, 0);
        long[] strides = orDefault(n.attrInts("strides"), 1, 1);
        long[] dilations = orDefault(n.attrInts("dilations"), 1, 1);
        long kh = w.dim(2).size();
        long kw = w.dim(3).size();
        Value xp = b.op1("Pad", List.of(x, b.ints(0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3])));
        long hp = xp.dim(2).size();
        long wp = xp.dim(3).size();
        long ho = (hp - dilations[0] * (kh - 1) - 1) / strides[0] + 1;
        long wo = (wp - dilations[1] * (kw - 1) - 1) / strides[1] + 1;
        Value nhwc = b.transpose(xp, 0, 2, 3, 1);                                     // [N, Hp, Wp, C]
        List<Value> terms = new ArrayList<>();
        for (long i = 0; i < kh; i++) {
            for (long j = 0; j < kw; j++) {
                long r = i * dilations[0];
                long c = j * dilations[1];
                Value patch = b.slice(nhwc, new long[] {r, c}, new long[] {r + (ho - 1) * strides[0] + 1,
                        c + (wo - 1) * strides[1] + 1}, new long[] {1, 2}, strides);  // [N, Ho, Wo, C]
                Value wij = b.reshape(b.slice(w, new long[] {i, j}, new long[] {i + 1, j + 1}, new long[] {2, 3}),
                        w.dim(0).size(), w.dim(1).size());                          // [M, C]
                terms.add(b.matMul(patch, b.transpose(wij, 1, 0)));                 // [N, Ho, Wo, M]
            }
        }
        Value y = b.transpose(b.sum(terms), 0, 3, 1, 2);
        return n.hasInput(2) ? b.add(y, b.reshape(g.value(n.input(2)), 1, -1, 1, 1)) : y;
    }

    private static Value convTranspose(GraphBuilder b, Graph g, Node n) {
        Value x = g.value(n.input(0));
        Value w = g.value(n.input(1));                                                // [C, M, k, k]
        long[] strides = orDefault(n.attrInts("strides"), 1, 1);
        long kh = w.dim(2).size();
        long kw = w.dim(3).size();
        long[] pads = orDefault(n.attrInts("pads"), 0, 0, 0, 0);
        if (n.attrInt("group", 1) != 1 || kh != strides[0] || kw != strides[1] || java.util.Arrays.stream(pads).anyMatch(p -> p != 0)
                || n.hasAttr("output_padding") || n.hasAttr("dilations") && java.util.Arrays.stream(n.attrInts("dilations")).anyMatch(d -> d != 1)) {
            throw new GraphException("can emulate only ConvTranspose with kernel = stride, no pads or groups: " + n.name());
        }
        long h = x.dim(2).size();
        long wd = x.dim(3).size();
        long m = w.dim(1).size();
        Value nhwc = b.transpose(x, 0, 2, 3, 1);                                      // [N, H, W, C]
        List<Value> rows = new ArrayList<>();
        for (long i = 0; i < kh; i++) {
            List<Value> cols = new ArrayList<>();
            for (long j = 0; j < kw; j++) {
                Value wij = b.reshape(b.slice(w, new long[] {i, j}, new long[] {i + 1, j + 1}, new long[] {2, 3}),
                        w.dim(0).size(), m);                                           // [C, M]
                cols.add(b.unsqueeze(b.matMul(nhwc, wij), 3));                         // [N, H, W, 1, M]
            }
            rows.add(b.unsqueeze(b.concat(3, cols), 2));                              // [N, H, 1, W, kw, M]
        }
        Value grid = b.concat(2, rows);                                               // [N, H, kh, W, kw, M]
        Value y = b.transpose(b.reshape(grid, -1, h * kh, wd * kw, m), 0, 3, 1, 2);  // [N, M, H·kh, W·kw]
        return n.hasInput(2) ? b.add(y, b.reshape(g.value(n.input(2)), 1, -1, 1, 1)) : y;
    }

    private static long[] orDefault(long[] v, long... d) {
        return v == null ? d : v;
    }
}
