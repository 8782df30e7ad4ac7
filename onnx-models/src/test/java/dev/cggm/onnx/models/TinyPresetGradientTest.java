package dev.cggm.onnx.models;

import dev.cggm.onnx.autodiff.Autodiff;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Graph;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.Value;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.testing.GradCheck;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TinyPresetGradientTest {
    @Test
    void tinyPresetGradientsMatchFiniteDifferences() throws Exception {
        CggmModelConfig cfg = Presets.get("tiny");
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

        Random rng = new Random(1);
        Map<String, HostTensor> in = new LinkedHashMap<>();
        int batch = 3;
        for (Modality m : cfg.modalities()) {
            double[] x = rng.doubles((long) batch * m.seqLen() * m.inputDim(), -1, 1).toArray();
            in.put(m.name(), HostTensor.of(x, batch, m.seqLen(), m.inputDim()));
        }
        in.put(ModelIO.LABEL, HostTensor.of(new long[] {0, 2, 1}, batch));
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
        // the fused model's gradients come from the task loss only …
        var badModel = new GradCheck(g, ModelIO.LOSS, in, model).analyticFrom(training)
                .tolerance(1e-5, 1e-8).checkSample(4, 3);
        assertEquals(List.of(), badModel);
        // … and the classifiers' from their own losses only
        var badCls = new GradCheck(g, "classifier_total", in, classifiers).analyticFrom(training)
                .tolerance(1e-5, 1e-8).checkSample(4, 5);
        assertEquals(List.of(), badCls);
    }
}
