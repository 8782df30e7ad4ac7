package dev.cggm.onnx.testing;

import dev.cggm.onnx.autodiff.Autodiff;
import dev.cggm.onnx.graph.Graph;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.runtime.OrtModel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * Finite-difference checks of autodiff gradients, run on ONNX Runtime: the analytic gradient
 * comes from the differentiated graph, the numeric one from central differences of the forward
 * graph. Works in double precision when every op has a double kernel, float otherwise (with
 * looser tolerances chosen by the caller).
 */
public final class GradCheck {
    private final Graph forward;
    private final String loss;
    private final Map<String, HostTensor> inputs;
    private final List<String> wrt;
    private double eps = 1e-6;
    private double rtol = 1e-5;
    private double atol = 1e-7;
    private Graph training;
    private Map<String, HostTensor> analyticInputs;
    private UnaryOperator<Graph> trainingTransform = UnaryOperator.identity();
    private Map<String, double[]> lastAnalytic;

    public GradCheck(Graph forward, String loss, Map<String, HostTensor> inputs, List<String> wrt) {
        this.forward = forward;
        this.loss = loss;
        this.inputs = new LinkedHashMap<>(inputs);
        this.wrt = wrt;
    }

    /**
     * Takes the analytic gradients ({@code grad/<w>} outputs) from an already differentiated graph
     * — e.g. a training artifact with several seeds — instead of differentiating {@code loss}.
     */
    public GradCheck analyticFrom(Graph trainingGraph) {
        this.training = trainingGraph;
        return this;
    }

    /**
     * As {@link #analyticFrom(Graph)}, the differentiated graph fed its own inputs — e.g. a float
     * model's gradients checked against differences of its exact double twin.
     */
    public GradCheck analyticFrom(Graph trainingGraph, Map<String, HostTensor> feed) {
        this.training = trainingGraph;
        this.analyticInputs = new LinkedHashMap<>(feed);
        return this;
    }

    public GradCheck eps(double e) {
        this.eps = e;
        return this;
    }

    public GradCheck tolerance(double relative, double absolute) {
        this.rtol = relative;
        this.atol = absolute;
        return this;
    }

    /**
     * Rewrites the differentiated graph before it is run. Meant for meta-tests that deliberately
     * corrupt a gradient to show the check notices.
     */
    public GradCheck trainingTransform(UnaryOperator<Graph> transform) {
        this.trainingTransform = transform;
        return this;
    }

    /**
     * {@code training} with the gradient of {@code param} multiplied by {@code factor}: a
     * deliberately wrong gradient, for meta-tests showing that a check notices.
     */
    public static Graph scaleGradient(Graph training, String param, double factor) {
        String out = Autodiff.GRAD_PREFIX + param;
        dev.cggm.onnx.graph.Node id = training.producer(out);
        if (!id.opType().equals("Identity")) {
            throw new AssertionError(out + " is produced by " + id.opType() + ", not Identity");
        }
        training.addInitializer(dev.cggm.onnx.graph.Tensors.scalar("meta/factor", training.type(id.input(0)).dtype(),
                factor));
        List<dev.cggm.onnx.graph.Node> nodes = new ArrayList<>(training.nodes());
        nodes.set(nodes.indexOf(id), new dev.cggm.onnx.graph.Node(id.name(), "Mul", "", List.of(id.input(0), "meta/factor"),
                List.of(out), List.of()));
        training.setNodes(nodes);
        return training;
    }

    /** The training graph the analytic gradients come from. */
    public Graph trainingGraph() {
        if (training != null) {
            return training;
        }
        return trainingTransform.apply(Autodiff.differentiate(forward, List.of(loss), wrt));
    }

    /** One disagreement between analytic and numeric gradient. */
    public record Mismatch(String param, int index, double analytic, double numeric) {
        @Override
        public String toString() {
            return param + "[" + index + "]: autodiff " + analytic + " vs finite difference " + numeric;
        }
    }

    /** The analytic gradients, by parameter name. */
    public Map<String, double[]> analytic() throws Exception {
        try (OrtModel m = OrtModel.load(OnnxModels.toBytes(trainingGraph()))) {
            String[] names = wrt.stream().map(w -> Autodiff.GRAD_PREFIX + w).toArray(String[]::new);
            Map<String, HostTensor> out = m.run(analyticInputs != null ? analyticInputs : inputs, names);
            Map<String, double[]> grads = new LinkedHashMap<>();
            for (String w : wrt) {
                HostTensor g = out.get(Autodiff.GRAD_PREFIX + w);
                long[] want = inputs.get(w).shape();
                if (!java.util.Arrays.equals(g.shape(), want)) {
                    throw new AssertionError("grad/" + w + " has shape " + java.util.Arrays.toString(g.shape())
                            + ", parameter has " + java.util.Arrays.toString(want));
                }
                grads.put(w, g.toDoubles());
            }
            return grads;
        }
    }

    /** Checks every element of every parameter (for small op tests). */
    public List<Mismatch> checkAll() throws Exception {
        return check(null, 0);
    }

    /** Checks up to {@code perParam} random elements of each parameter. */
    public List<Mismatch> checkSample(int perParam, long seed) throws Exception {
        return check(new Random(seed), perParam);
    }

    /** The analytic gradients of the last {@link #checkAll}/{@link #checkSample} (null before). */
    public Map<String, double[]> lastAnalytic() {
        return lastAnalytic;
    }

    private List<Mismatch> check(Random rng, int perParam) throws Exception {
        Map<String, double[]> grads = analytic();
        lastAnalytic = grads;
        List<Mismatch> bad = new ArrayList<>();
        try (OrtModel m = OrtModel.load(OnnxModels.toBytes(forward))) {
            for (String w : wrt) {
                HostTensor original = inputs.get(w);
                double[] values = original.toDoubles().clone();
                int n = values.length;
                int count = rng == null ? n : Math.min(n, perParam);
                for (int k = 0; k < count; k++) {
                    int i = rng == null ? k : rng.nextInt(n);
                    double keep = values[i];
                    double h = eps * Math.max(1.0, Math.abs(keep));
                    // the step actually taken: a float parameter rounds keep ± h
                    double plus = representable(original, keep + h);
                    double minus = representable(original, keep - h);
                    values[i] = plus;
                    double up = lossAt(m, w, original, values);
                    values[i] = minus;
                    double down = lossAt(m, w, original, values);
                    values[i] = keep;
                    double numeric = (up - down) / (plus - minus);
                    double analytic = grads.get(w)[i];
                    if (Math.abs(analytic - numeric) > atol + rtol * Math.max(Math.abs(analytic), Math.abs(numeric))) {
                        bad.add(new Mismatch(w, i, analytic, numeric));
                    }
                }
                inputs.put(w, original);
            }
        }
        return bad;
    }

    /**
     * Directional check: for random unit directions v over all parameters, compares
     * ⟨∇L, v⟩ with (L(θ + εv) − L(θ − εv)) / 2ε. Returns the relative errors.
     */
    public double[] checkDirections(int directions, long seed) throws Exception {
        Map<String, double[]> grads = analytic();
        Random rng = new Random(seed);
        double[] errors = new double[directions];
        try (OrtModel m = OrtModel.load(OnnxModels.toBytes(forward))) {
            for (int d = 0; d < directions; d++) {
                Map<String, double[]> dir = new LinkedHashMap<>();
                double norm = 0;
                for (String w : wrt) {
                    double[] v = new double[inputs.get(w).size()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = rng.nextGaussian();
                        norm += v[i] * v[i];
                    }
                    dir.put(w, v);
                }
                norm = Math.sqrt(norm);
                double predicted = 0;
                for (String w : wrt) {
                    double[] v = dir.get(w);
                    double[] g = grads.get(w);
                    for (int i = 0; i < v.length; i++) {
                        v[i] /= norm;
                        predicted += g[i] * v[i];
                    }
                }
                double up = lossAlong(m, dir, eps);
                double down = lossAlong(m, dir, -eps);
                double numeric = (up - down) / (2 * eps);
                errors[d] = Math.abs(predicted - numeric) / Math.max(1e-8, Math.max(Math.abs(predicted), Math.abs(numeric)));
            }
        }
        return errors;
    }

    /** A directional derivative of one parameter: autodiff's ⟨∇L, v⟩ against the central difference. */
    public record Directional(String param, double analytic, double numeric) {
        /** |analytic − numeric| / max(|analytic|, |numeric|, floor). */
        public double error(double floor) {
            return Math.abs(analytic - numeric) / Math.max(floor, Math.max(Math.abs(analytic), Math.abs(numeric)));
        }

        @Override
        public String toString() {
            return param + ": autodiff " + analytic + " vs finite difference " + numeric;
        }
    }

    /**
     * For each parameter, one random unit direction within that parameter alone: every tensor's
     * gradient is checked on its own (for float-only models, where element-wise differences drown
     * in rounding), with one differentiated run and two forward runs per parameter.
     */
    public List<Directional> checkEachParameterAlong(long seed) throws Exception {
        Map<String, double[]> grads = analytic();
        Random rng = new Random(seed);
        List<Directional> out = new ArrayList<>();
        try (OrtModel m = OrtModel.load(OnnxModels.toBytes(forward))) {
            for (String w : wrt) {
                double[] v = new double[inputs.get(w).size()];
                double norm = 0;
                for (int i = 0; i < v.length; i++) {
                    v[i] = rng.nextGaussian();
                    norm += v[i] * v[i];
                }
                norm = Math.sqrt(norm);
                double predicted = 0;
                double[] g = grads.get(w);
                for (int i = 0; i < v.length; i++) {
                    v[i] /= norm;
                    predicted += g[i] * v[i];
                }
                Map<String, double[]> dir = new LinkedHashMap<>();
                for (String other : wrt) {
                    dir.put(other, other.equals(w) ? v : new double[inputs.get(other).size()]);
                }
                double numeric = (lossAlong(m, dir, eps) - lossAlong(m, dir, -eps)) / (2 * eps);
                out.add(new Directional(w, predicted, numeric));
            }
        }
        return out;
    }

    private double lossAlong(OrtModel m, Map<String, double[]> dir, double step) throws Exception {
        Map<String, HostTensor> moved = new LinkedHashMap<>(inputs);
        for (String w : wrt) {
            HostTensor t = inputs.get(w);
            double[] base = t.toDoubles();
            double[] v = dir.get(w);
            double[] x = new double[base.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = base[i] + step * v[i];
            }
            moved.put(w, HostTensor.ofDoubles(t.dtype(), x, t.shape()));
        }
        return m.run(moved, loss).get(loss).item();
    }

    private static double representable(HostTensor like, double v) {
        return like.dtype() == dev.cggm.onnx.graph.DType.FLOAT ? (double) (float) v : v;
    }

    private double lossAt(OrtModel m, String w, HostTensor original, double[] values) throws Exception {
        Map<String, HostTensor> feed = new LinkedHashMap<>(inputs);
        feed.put(w, HostTensor.ofDoubles(original.dtype(), values, original.shape()));
        return m.run(feed, loss).get(loss).item();
    }
}
