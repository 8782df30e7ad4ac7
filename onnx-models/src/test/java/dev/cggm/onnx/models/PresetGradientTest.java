package dev.cggm.onnx.models;

import dev.cggm.onnx.autodiff.Autodiff;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Graph;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.testing.GradCheck;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End-to-end finite-difference check of every preset (dropout off, double precision, the
 * preset's real widths and sequence lengths). Gradients come from the training graph exactly as
 * the artifacts build it — task loss and classifier losses differentiated together — and are
 * compared with central differences of the loss each parameter belongs to: the fused model's
 * parameters against the task loss, the classifiers' against the sum of classifier losses.
 */
class PresetGradientTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({"tiny, 6, 1e-5", "food101, 1, 1e-4", "mosi, 1, 1e-4", "iemocap, 1, 1e-4"})
    void presetGradientsMatchFiniteDifferences(String preset, int samplesPerParameter, double rtol) throws Exception {
        CggmModelConfig cfg = Presets.get(preset);
        CggmModel.Built built = CggmModel.build(cfg, CggmModel.Variant.TRAINING, DType.DOUBLE, false, 7);
        Graph g = built.graph();
        GraphBuilder b = new GraphBuilder(g);
        List<String> seeds = new ArrayList<>(List.of(ModelIO.LOSS));
        List<Value> clsLosses = new ArrayList<>();
        for (Modality m : cfg.modalities()) {
            seeds.add(ModelIO.classifierLoss(m.name()));
            clsLosses.add(g.value(ModelIO.classifierLoss(m.name())));
        }
        b.output(b.sum(clsLosses), "classifier_total");

        int batch = 2;
        Random rng = new Random(1);
        Map<String, HostTensor> in = new LinkedHashMap<>();
        for (Modality m : cfg.modalities()) {
            double[] x = rng.doubles((long) batch * m.seqLen() * m.inputDim(), -1, 1).toArray();
            in.put(m.name(), HostTensor.of(x, batch, m.seqLen(), m.inputDim()));
        }
        in.put(ModelIO.LABEL, cfg.task() == Task.CLASSIFICATION
                ? HostTensor.of(new long[] {0, cfg.outputDim() - 1}, batch)
                : HostTensor.of(new double[] {1.5, -0.7}, batch, 1));
        List<String> model = new ArrayList<>();
        List<String> classifiers = new ArrayList<>();
        for (ParameterSpec p : built.parameters()) {
            double[] v = new double[p.initial().length];
            for (int i = 0; i < v.length; i++) {
                v[i] = p.initial()[i];
            }
            in.put(p.name(), HostTensor.of(v, p.shape()));
            (p.group().startsWith("classifier/") ? classifiers : model).add(p.name());
        }
        List<String> all = new ArrayList<>(model);
        all.addAll(classifiers);
        Graph training = Autodiff.differentiate(g, seeds, all);

        // ReLU and L1 kinks: with hundreds of positions per sequence some pre-activation lies within
        // the finite-difference step, so the large presets get rtol 1e-4 (a wrong rule is off by O(1))
        GradCheck modelCheck = new GradCheck(g, ModelIO.LOSS, in, model).analyticFrom(training).tolerance(rtol, 1e-8);
        assertEquals(List.of(), modelCheck.checkSample(samplesPerParameter, 3));
        double[] directional = modelCheck.checkDirections(3, 4);
        assertTrue(Arrays.stream(directional).allMatch(e -> e < rtol), "directional errors " + Arrays.toString(directional));

        GradCheck clsCheck = new GradCheck(g, "classifier_total", in, classifiers).analyticFrom(training)
                .tolerance(rtol, 1e-8);
        assertEquals(List.of(), clsCheck.checkSample(samplesPerParameter, 5));
        double[] clsDirectional = clsCheck.checkDirections(3, 6);
        assertTrue(Arrays.stream(clsDirectional).allMatch(e -> e < rtol), "directional errors " + Arrays.toString(clsDirectional));
    }
}
