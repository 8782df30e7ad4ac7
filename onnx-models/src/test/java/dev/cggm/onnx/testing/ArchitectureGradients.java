package dev.cggm.onnx.testing;

import dev.cggm.onnx.autodiff.Autodiff;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Graph;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.TensorType;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.models.ArchitectureConfig;
import dev.cggm.onnx.models.Architectures;
import dev.cggm.onnx.models.GraphExtension;
import dev.cggm.onnx.models.LossTerm;
import dev.cggm.onnx.models.ModelGraph;
import dev.cggm.onnx.models.ModelIO;
import dev.cggm.onnx.models.ParameterSpec;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The end-to-end finite-difference check every architecture passes: its training graph (in
 * double precision, without dropout, with a method's additions if given) is differentiated
 * exactly as the artifacts do it — the weighted sum of all loss terms, weights as inputs — and
 * the gradient of every parameter is compared with central differences of that weighted sum.
 * The weights fed are distinct and not 1, so a wrong seed weighting shows too. Detached values
 * (auxiliary classifiers read detached encoder outputs) are held at their values for the finite
 * differences, which is what detaching means for the gradient.
 */
public final class ArchitectureGradients {
    private ArchitectureGradients() {
    }

    /**
     * @param samplesPerParameter elements checked per parameter (plus 3 random directions overall)
     * @param rtol                relative tolerance (ReLU and L1 kinks need 1e-4 on large inputs)
     */
    public static void check(ArchitectureConfig cfg, GraphExtension extension, int batch, int samplesPerParameter,
                             double rtol) throws Exception {
        ModelGraph mg = Architectures.of(cfg).build(cfg, ModelGraph.Variant.TRAINING, DType.DOUBLE, false, 7);
        extension.extend(mg);
        Graph g = mg.finish();
        GraphBuilder b = new GraphBuilder(g);
        Map<String, String> seeds = new LinkedHashMap<>();
        Map<String, HostTensor> in = new LinkedHashMap<>();
        List<Value> weighted = new ArrayList<>();
        int k = 0;
        for (LossTerm t : mg.lossTerms()) {
            String w = ModelIO.lossWeight(t.name());
            Value wv = b.input(w, TensorType.of(DType.DOUBLE, new long[0]));
            seeds.put(t.name(), w);
            double weight = 0.6 + 0.35 * k++;
            in.put(w, HostTensor.of(new double[] {weight}));
            weighted.add(b.mul(g.value(t.name()), wv));
        }
        b.output(b.sum(weighted), "weighted_total");

        Random rng = new Random(1);
        List<String> params = mg.scope().parameters().stream().map(ParameterSpec::name).toList();
        for (ParameterSpec p : mg.scope().parameters()) {
            double[] v = new double[p.initial().length];
            for (int i = 0; i < v.length; i++) {
                v[i] = p.initial()[i];
            }
            in.put(p.name(), HostTensor.of(v, p.shape()));
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
                if (name.equals(ModelIO.LABEL)) {
                    for (int i = 0; i < n; i++) {
                        x[i] *= 2.5; // regression targets in MOSI's range
                    }
                }
                in.put(name, HostTensor.of(x, shape));
            }
        }
        Graph training = Autodiff.differentiate(g, seeds, params);
        Graph constantDetached = holdDetachedConstant(g, in);
        GradCheck check = new GradCheck(constantDetached, "weighted_total", in, params).analyticFrom(training)
                .tolerance(rtol, 1e-8);
        assertEquals(List.of(), check.checkSample(samplesPerParameter, 3));
        double[] directional = check.checkDirections(3, 4);
        assertTrue(Arrays.stream(directional).allMatch(e -> e < rtol), "directional errors " + Arrays.toString(directional));
    }

    /** A copy of {@code g} where every detached value is an input, fed (into {@code in}) its value at {@code in}. */
    private static Graph holdDetachedConstant(Graph g, Map<String, HostTensor> in) throws Exception {
        List<String> detached = new ArrayList<>(g.stopGradient());
        if (detached.isEmpty()) {
            return g;
        }
        Graph probe = g.copy();
        detached.forEach(probe::addOutput);
        try (OrtModel m = OrtModel.load(OnnxModels.toBytes(probe))) {
            Map<String, HostTensor> values = m.run(in, detached.toArray(String[]::new));
            in.putAll(values);
        }
        Graph cut = g.copy();
        detached.forEach(cut::promoteToInput);
        return cut;
    }
}
