package dev.cggm.onnx.testing;

import dev.cggm.onnx.autodiff.Autodiff;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Graph;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.models.ArchitectureConfig;
import dev.cggm.onnx.models.Architectures;
import dev.cggm.onnx.models.GraphExtension;
import dev.cggm.onnx.models.LossTerm;
import dev.cggm.onnx.models.ModelGraph;
import dev.cggm.onnx.models.ModelIO;
import dev.cggm.onnx.models.ParameterSpec;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The end-to-end finite-difference check every architecture passes: its training graph (without
 * dropout, with a method's additions if given) is differentiated exactly as the artifacts do it
 * — the weighted sum of all loss terms, weights as inputs — and the gradient of every parameter
 * is compared with central differences of that weighted sum. The weights fed are distinct and
 * not 1, so a wrong seed weighting shows too. Detached values (auxiliary classifiers read
 * detached encoder outputs) are held at their values for the finite differences, which is what
 * detaching means for the gradient.
 */
public final class ArchitectureGradients {
    private ArchitectureGradients() {
    }

    /**
     * The check in double precision: analytic gradients and differences of the same double graph.
     *
     * @param samplesPerParameter elements checked per parameter (plus 3 random directions overall)
     * @param rtol                relative tolerance (ReLU and L1 kinks need 1e-4 on large inputs)
     */
    public static void check(ArchitectureConfig cfg, GraphExtension extension, int batch, int samplesPerParameter,
                             double rtol) throws Exception {
        Prepared d = prepare(cfg, extension, batch, DType.DOUBLE, false);
        GradCheck check = new GradCheck(d.heldDetached(d.graph()), TOTAL, d.inputs(), d.params())
                .analyticFrom(d.training()).tolerance(rtol, 1e-8);
        assertEquals(List.of(), check.checkSample(samplesPerParameter, 3));
        double[] directional = check.checkDirections(3, 4);
        assertTrue(Arrays.stream(directional).allMatch(e -> e < rtol), "directional errors " + Arrays.toString(directional));
    }

    /**
     * The check for architectures ONNX Runtime runs in float only (Conv and ConvTranspose have no
     * double kernels on its CPU provider): the analytic gradients are the <em>float</em> model's —
     * our Conv rules, as training runs them — and the differences are taken, element by element,
     * on the architecture's double graph with its convolutions rewritten into ops that do run in
     * double ({@link DoubleConvolutions}), at the same (float-representable) parameters and
     * inputs. So nothing but the float rounding of the analytic gradients separates the two:
     * {@code rtol} 1e-3 with {@code atol} 1e-6 holds, and a 1% error in a gradient shows.
     */
    public static void checkFloat(ArchitectureConfig cfg, GraphExtension extension, int batch, int samplesPerParameter,
                                  double rtol, double atol) throws Exception {
        GradCheck check = floatCheck(cfg, extension, batch, rtol, atol, UnaryOperator.identity(), null);
        assertEquals(List.of(), check.checkSample(samplesPerParameter, 3));
        double[] directional = check.checkDirections(3, 4);
        assertTrue(Arrays.stream(directional).allMatch(e -> e < rtol), "directional errors " + Arrays.toString(directional));
    }

    /**
     * The check of {@link #checkFloat}, its differentiated float graph passed through
     * {@code corrupt} first (meta-tests show it catches a wrong gradient).
     *
     * @param only the parameters to check (null: all)
     */
    public static GradCheck floatCheck(ArchitectureConfig cfg, GraphExtension extension, int batch, double rtol,
                                       double atol, UnaryOperator<Graph> corrupt, List<String> only) throws Exception {
        Prepared f = prepare(cfg, extension, batch, DType.FLOAT, true);
        Prepared d = prepare(cfg, extension, batch, DType.DOUBLE, true);
        Graph twin = DoubleConvolutions.emulate(d.graph());
        return new GradCheck(d.heldDetached(twin), TOTAL, d.inputs(), only != null ? only : d.params())
                .analyticFrom(corrupt.apply(f.training()), f.inputs()).tolerance(rtol, atol);
    }

    private static final String TOTAL = "weighted_total";

    /** A training graph with its weighted total, its inputs (parameters at their initial values, random data) and gradients. */
    private record Prepared(Graph graph, Map<String, HostTensor> inputs, List<String> params, Graph training) {
        /** A copy of {@code g} where every detached value is an input, fed (into {@link #inputs}) its value. */
        Graph heldDetached(Graph g) throws Exception {
            List<String> detached = new ArrayList<>(g.stopGradient());
            if (detached.isEmpty()) {
                return g;
            }
            Graph probe = g.copy();
            detached.forEach(probe::addOutput);
            try (OrtModel m = OrtModel.load(OnnxModels.toBytes(probe))) {
                inputs.putAll(m.run(inputs, detached.toArray(String[]::new)));
            }
            Graph cut = g.copy();
            detached.forEach(cut::promoteToInput);
            return cut;
        }
    }

    /** @param floatValues round every parameter and data value to float (shared by a float model and its double twin) */
    private static Prepared prepare(ArchitectureConfig cfg, GraphExtension extension, int batch, DType dtype,
                                    boolean floatValues) {
        ModelGraph mg = Architectures.of(cfg).build(cfg, ModelGraph.Variant.TRAINING, dtype, false, 7);
        extension.extend(mg);
        Graph g = mg.finish();
        GraphBuilder b = new GraphBuilder(g);
        Map<String, String> seeds = new LinkedHashMap<>();
        Map<String, HostTensor> in = new LinkedHashMap<>();
        List<Value> weighted = new ArrayList<>();
        int k = 0;
        for (LossTerm t : mg.lossTerms()) {
            String w = ModelIO.lossWeight(t.name());
            Value wv = b.input(w, TensorType.of(dtype, new long[0]));
            seeds.put(t.name(), w);
            double weight = 0.6 + 0.35 * k++;
            in.put(w, HostTensor.ofDoubles(dtype, new double[] {weight}));
            weighted.add(b.mul(g.value(t.name()), wv));
        }
        b.output(b.sum(weighted), TOTAL);

        Random rng = new Random(1);
        List<String> params = mg.scope().parameters().stream().map(ParameterSpec::name).toList();
        for (ParameterSpec p : mg.scope().parameters()) {
            double[] v = new double[p.initial().length];
            for (int i = 0; i < v.length; i++) {
                v[i] = p.initial()[i];
            }
            in.put(p.name(), HostTensor.ofDoubles(dtype, v, p.shape()));
        }
        for (String name : g.inputs()) {
            if (in.containsKey(name)) {
                continue;
            }
            TensorType t = g.type(name);
            long[] shape = t.shape().dims().stream().mapToLong(d -> d.isKnown() ? d.size() : batch).toArray();
            int n = (int) HostTensor.count(shape);
            if (t.dtype() == DType.INT64) {
                long[] labels = new long[n];
                for (int i = 0; i < n; i++) {
                    labels[i] = rng.nextInt(cfg.outputDim());
                }
                in.put(name, HostTensor.of(labels, shape));
            } else {
                double[] x = rng.doubles(n, -1, 1).toArray();
                for (int i = 0; i < n; i++) {
                    if (name.equals(ModelIO.LABEL)) {
                        x[i] *= 2.5; // regression targets in MOSI's range
                    }
                    if (floatValues) {
                        x[i] = (float) x[i];
                    }
                }
                in.put(name, HostTensor.ofDoubles(dtype, x, shape));
            }
        }
        return new Prepared(g, in, params, Autodiff.differentiate(g, seeds, params));
    }
}
