package dev.cggm.train.method.igm;

import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.onnx.artifacts.SafeTensors;
import dev.cggm.onnx.artifacts.TrainingArtifacts;
import dev.cggm.onnx.models.Modality;
import dev.cggm.onnx.models.ModalityHeadsConfig;
import dev.cggm.onnx.runtime.HostTensor;
import dev.cggm.onnx.tasks.Targets;
import dev.cggm.onnx.tasks.Tasks;
import dev.cggm.train.ModelRoles;
import dev.cggm.train.ParameterSet;
import dev.cggm.train.Trainer;
import dev.cggm.train.method.MethodSetup;
import dev.cggm.train.method.StepPlan;
import dev.cggm.train.method.StepReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IGM driven with hand-chosen inputs on the tiny modality-heads model's real parameters and
 * roles: the flat step (perturbation, combination, restore), the projection of shape-matching
 * layers, the stage switch (best model, covariance pass, optimizer reset), the plan (mixup, loss
 * weights, trained parameters, per-stage rate) and the state.
 */
class IgmTest {
    static final List<Modality> TWO = List.of(new Modality("image", 12, 5), new Modality("text", 10, 4));
    static final int BATCH = 4;

    record Model(ParameterSet params, ModelRoles roles, MethodSetup setup) {
    }

    static Model model(Path dir, List<Modality> mods, int hidden, int width, int bottleneck, int classes) throws Exception {
        ModalityHeadsConfig cfg = new ModalityHeadsConfig(mods, Tasks.CLASSIFICATION, classes, hidden, width, bottleneck);
        ArtifactManifest m = TrainingArtifacts.write(dir, "tiny", cfg, 3, false);
        ParameterSet params = ParameterSet.create(m, SafeTensors.read(dir.resolve(TrainingArtifacts.CHECKPOINT)));
        return new Model(params, new ModelRoles(m, params), new MethodSetup(m.config(), 7));
    }

    static IgmOptions options(IgmOptions.Flat flat, double f, double rho, double rhoHead, IgmOptions.Projected projected) {
        return new IgmOptions(List.of(1), 0.4, f, flat, rho, rhoHead, 1.0, projected, 0, 0.1);
    }

    static Map<String, float[]> randomTensors(ParameterSet params, long seed) {
        Random rng = new Random(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (ParameterSet.Param p : params.all()) {
            float[] v = new float[p.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rng.nextGaussian();
            }
            out.put(p.name(), v);
        }
        return out;
    }

    static float[] get(FloatBuffer b, int n) {
        float[] v = new float[n];
        b.get(0, v);
        return v;
    }

    static ScriptedStep step(Model model, int epoch, Map<String, float[]> rerunGrads) {
        Map<String, float[]> outs = Map.of("igm/mixup_loss/image", new float[] {1.2f}, "igm/mixup_loss/text",
                new float[] {0.8f});
        Map<String, float[]> rerun = Map.of("unimodal_loss/image", new float[] {0.9f}, "unimodal_loss/text",
                new float[] {0.5f});
        return new ScriptedStep(5, epoch, List.of("image", "text"), Targets.classes(new long[] {0, 1, 2, 1}),
                model.params(), model.roles(), Map.of(), outs, rerun, rerunGrads);
    }

    @Test
    void samPerturbsTheTrainedModalityAlongItsGradientThenRestoresAndMixesTheGradients(@TempDir Path tmp) throws Exception {
        Model model = model(tmp.resolve("a"), TWO, 8, 6, 4, 3);
        Map<String, float[]> g = randomTensors(model.params(), 1);
        Map<String, float[]> h = randomTensors(model.params(), 2);
        Map<String, float[]> theta = new LinkedHashMap<>();
        for (ParameterSet.Param p : model.params().all()) {
            p.grad().put(0, g.get(p.name()));
            theta.put(p.name(), get(p.value(), p.size()));
        }
        Igm igm = new Igm(options(IgmOptions.Flat.SAM, 0.3, 0.5, 0.25, IgmOptions.Projected.HEAD), model.setup());
        ScriptedStep step = step(model, 0, h); // epoch 0: stage 1 trains the image modality
        StepReport r = igm.apply(step);

        assertEquals(List.of(Map.of("loss", 0.0, "unimodal_loss/image", 1.0)), step.rerunWeights);
        Map<String, float[]> atRerun = step.valuesAtRerun.get(0);
        for (ParameterSet.Param p : model.params().all()) {
            float[] g0 = g.get(p.name());
            float[] t0 = theta.get(p.name());
            boolean image = p.name().contains(".image.");
            float[] want = t0.clone();
            if (image) {
                double sq = 0;
                for (float x : g0) {
                    sq += x * (double) x;
                }
                float norm = (float) Math.sqrt(sq);
                float rho = p.name().startsWith("encoders.") ? 0.5f : 0.25f;
                for (int i = 0; i < want.length; i++) {
                    want[i] = t0[i] + rho * (g0[i] / norm);
                }
            }
            assertArrayEquals(want, atRerun.get(p.name()), "value of " + p.name() + " while L_flat is taken");
            assertArrayEquals(t0, get(p.value(), p.size()), "sam restores " + p.name());
            float[] grad = get(p.grad(), p.size());
            for (int i = 0; i < grad.length; i++) {
                float expected = image ? (float) (0.7 * g0[i] + 0.3 * h.get(p.name())[i]) : g0[i];
                assertEquals(expected, grad[i], 1e-6f, p.name() + "[" + i + "]");
            }
        }
        assertEquals(1.2, r.metrics().get("loss_mixup"), 1e-6);
        assertEquals(0.9, r.metrics().get("loss_flat"), 1e-6);
        assertEquals(0.7 * 1.2 + 0.3 * 0.9, r.metrics().get("objective"), 1e-6);
        assertEquals(0.0, r.metrics().get("projected"));
        assertEquals(1.0, r.metrics().get("stage"));
        assertEquals(0.0, r.addedLoss());
    }

    @Test
    void faithfulLeavesThePerturbationInPlaceAndZeroGradientsAlone(@TempDir Path tmp) throws Exception {
        Model model = model(tmp.resolve("a"), TWO, 8, 6, 4, 3);
        Map<String, float[]> g = randomTensors(model.params(), 1);
        g.put("heads.text.3.bias", new float[3]);
        Map<String, float[]> theta = new LinkedHashMap<>();
        for (ParameterSet.Param p : model.params().all()) {
            p.grad().put(0, g.get(p.name()));
            theta.put(p.name(), get(p.value(), p.size()));
        }
        Igm igm = new Igm(options(IgmOptions.Flat.FAITHFUL, 0.3, 0.5, 0.25, IgmOptions.Projected.HEAD), model.setup());
        ScriptedStep step = step(model, 1, randomTensors(model.params(), 2)); // epoch 1: the text modality
        igm.apply(step);
        for (ParameterSet.Param p : model.params().all()) {
            float[] now = get(p.value(), p.size());
            boolean moved = p.name().contains(".text.") && !p.name().equals("heads.text.3.bias");
            assertEquals(moved, !java.util.Arrays.equals(theta.get(p.name()), now), p.name());
            assertArrayEquals(step.valuesAtRerun.get(0).get(p.name()), now, "faithful keeps the move of " + p.name());
        }
    }

    @Test
    void flatRatioZeroIsOneRunWithTheMixupGradient(@TempDir Path tmp) throws Exception {
        Model model = model(tmp.resolve("a"), TWO, 8, 6, 4, 3);
        Map<String, float[]> g = randomTensors(model.params(), 1);
        model.params().all().forEach(p -> p.grad().put(0, g.get(p.name())));
        Igm igm = new Igm(options(IgmOptions.Flat.SAM, 0, 0.5, 0.5, IgmOptions.Projected.HEAD), model.setup());
        ScriptedStep step = step(model, 0, randomTensors(model.params(), 2));
        StepReport r = igm.apply(step);
        assertTrue(step.rerunWeights.isEmpty());
        model.params().all().forEach(p -> assertArrayEquals(g.get(p.name()), get(p.grad(), p.size()), p.name()));
        assertEquals(1.2, r.metrics().get("objective"), 1e-6);
        assertFalse(r.metrics().containsKey("loss_flat"));
    }

    @Test
    void shapeMatchingHeadLayersGetTheirGradientTimesTheMatchingP(@TempDir Path tmp) throws Exception {
        Model model = model(tmp.resolve("a"), TWO, 8, 6, 4, 3);
        Map<String, float[]> g = randomTensors(model.params(), 1);
        model.params().all().forEach(p -> p.grad().put(0, g.get(p.name())));
        Igm igm = new Igm(options(IgmOptions.Flat.SAM, 0, 0, 0, IgmOptions.Projected.HEAD), model.setup());
        // stage 2 (epoch 1) trains text; P of the image head's layers, as if computed at its start
        Map<String, HostTensor> state = new LinkedHashMap<>();
        state.put("projection_stage", HostTensor.of(new long[] {1}, 1));
        Map<String, float[]> p = new LinkedHashMap<>();
        Random rng = new Random(5);
        for (String layer : List.of("heads.image.0", "heads.image.2", "heads.image.3")) {
            int n = (int) model.params().get(layer + ".weight").shape()[1];
            float[] m = new float[n * n];
            for (int i = 0; i < m.length; i++) {
                m[i] = (float) rng.nextGaussian();
            }
            p.put(layer, m);
            state.put("projection/" + layer, HostTensor.of(m, n, n));
        }
        igm.restore(state);
        StepReport r = igm.apply(step(model, 1, Map.of()));
        assertEquals(3.0, r.metrics().get("projected"));
        for (ParameterSet.Param q : model.params().all()) {
            float[] now = get(q.grad(), q.size());
            String layer = q.name().replace(".weight", "");
            if (q.name().startsWith("heads.text.") && q.name().endsWith(".weight")) {
                float[] pm = p.get(layer.replace(".text.", ".image."));
                int rows = (int) q.shape()[0];
                int cols = (int) q.shape()[1];
                float[] g0 = g.get(q.name());
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        double s = 0;
                        for (int k = 0; k < cols; k++) {
                            s += g0[i * cols + k] * (double) pm[k * cols + j];
                        }
                        assertEquals(s, now[i * cols + j], 1e-5 * Math.max(1, Math.abs(s)), q.name() + "[" + i + "," + j + "]");
                    }
                }
            } else {
                assertArrayEquals(g.get(q.name()), now, "untouched: " + q.name());
            }
        }
        // matrices of another stage are not applied
        state.put("projection_stage", HostTensor.of(new long[] {0}, 1));
        igm.restore(state);
        model.params().all().forEach(q -> q.grad().put(0, g.get(q.name())));
        assertEquals(0.0, igm.apply(step(model, 1, Map.of())).metrics().get("projected"));
    }

    @Test
    void layersMatchByWeightShapeInTheOfficialLoopOrder(@TempDir Path tmp) throws Exception {
        IgmOptions head = options(IgmOptions.Flat.SAM, 0, 0, 0, IgmOptions.Projected.HEAD);
        IgmOptions all = options(IgmOptions.Flat.SAM, 0, 0, 0, IgmOptions.Projected.ALL);
        Model tiny = model(tmp.resolve("a"), TWO, 8, 6, 4, 3);
        Igm igm = new Igm(head, tiny.setup());
        assertEquals(List.of("heads.text.0~heads.image.0", "heads.text.2~heads.image.2", "heads.text.3~heads.image.3"),
                names(Igm.shapeMatches(igm.hooked(tiny.roles(), "text"), igm.hooked(tiny.roles(), "image"))));
        // encoders [8, 10] and [8, 12] do not match each other
        Igm igmAll = new Igm(all, tiny.setup());
        assertEquals(3, Igm.shapeMatches(igmAll.hooked(tiny.roles(), "text"), igmAll.hooked(tiny.roles(), "image")).size());
        // equal input widths: the encoders match too
        Model same = model(tmp.resolve("b"), List.of(new Modality("image", 10, 5), new Modality("text", 10, 4)), 8, 6, 4, 3);
        assertEquals(List.of("encoders.text.proj~encoders.image.proj", "heads.text.0~heads.image.0",
                        "heads.text.2~heads.image.2", "heads.text.3~heads.image.3"),
                names(Igm.shapeMatches(igmAll.hooked(same.roles(), "text"), igmAll.hooked(same.roles(), "image"))));
        // all head layers [4, 4]: each layer matches every layer of the other head, applied in order
        Model square = model(tmp.resolve("c"), TWO, 4, 4, 4, 4);
        assertEquals(List.of("heads.text.0~heads.image.0", "heads.text.0~heads.image.2", "heads.text.0~heads.image.3",
                        "heads.text.2~heads.image.0", "heads.text.2~heads.image.2", "heads.text.2~heads.image.3",
                        "heads.text.3~heads.image.0", "heads.text.3~heads.image.2", "heads.text.3~heads.image.3"),
                names(Igm.shapeMatches(igm.hooked(square.roles(), "text"), igm.hooked(square.roles(), "image"))));
    }

    static List<String> names(List<ModelRoles.Layer[]> pairs) {
        return pairs.stream().map(p -> p[0].spec().name() + "~" + p[1].spec().name()).toList();
    }

    @Test
    void aStageStartReloadsTheBestModelProjectsFromThePreviousModalityAndResetsTheOptimizer(@TempDir Path tmp)
            throws Exception {
        Model model = model(tmp.resolve("a"), TWO, 8, 6, 4, 3);
        Igm igm = new Igm(options(IgmOptions.Flat.SAM, 0.3, 0, 0, IgmOptions.Projected.HEAD), model.setup());
        Map<String, SafeTensors.Entry> best = new LinkedHashMap<>();
        randomTensors(model.params(), 9).forEach((k, v) -> best.put(k, new SafeTensors.Entry(model.params().get(k).shape(), v)));
        // two batches of the covariance pass: batch means of the image head's layer inputs
        List<Map<String, float[]>> batches = new ArrayList<>();
        Random rng = new Random(3);
        Map<String, GradientProjection.Covariance> want = new LinkedHashMap<>();
        for (String layer : List.of("heads.image.0", "heads.image.2", "heads.image.3")) {
            want.put(layer, new GradientProjection.Covariance((int) model.params().get(layer + ".weight").shape()[1]));
        }
        for (int b = 0; b < 2; b++) {
            Map<String, float[]> out = new LinkedHashMap<>();
            want.forEach((layer, c) -> {
                float[] mean = new float[c.size()];
                for (int i = 0; i < mean.length; i++) {
                    mean[i] = (float) rng.nextGaussian();
                }
                c.add(mean);
                out.put(Igm.inputMean(layer), mean);
            });
            batches.add(out);
        }
        // epoch 0 starts stage 1: nothing to reload, nothing to project
        ScriptedRun first = new ScriptedRun(0, model.params(), model.roles(), best, batches);
        igm.onEpochStart(first);
        assertEquals(0, first.optimizerResets);
        assertTrue(first.restored.isEmpty());
        assertEquals(List.of("projection_stage"), List.copyOf(igm.state().keySet()));

        ScriptedRun run = new ScriptedRun(1, model.params(), model.roles(), best, batches);
        igm.onEpochStart(run);
        assertEquals(1, run.optimizerResets);
        assertEquals(List.of(best), run.restored);
        assertArrayEquals(best.get("heads.text.0.weight").data(), get(model.params().get("heads.text.0.weight").value(),
                model.params().get("heads.text.0.weight").size()));
        Map<String, HostTensor> state = igm.state();
        assertEquals(1L, state.get("projection_stage").longs()[0]);
        want.forEach((layer, c) -> assertArrayEquals(GradientProjection.matrix(c.matrix(), c.size(), 0.4),
                state.get("projection/" + layer).floats(), "P of " + layer));
        assertEquals(4, state.size());
        assertTrue(run.log.get(0).contains("IGM stage 2: text"), run.log.toString());

        // the state survives a checkpoint: a fresh instance restored from it projects the same
        Igm resumed = new Igm(options(IgmOptions.Flat.SAM, 0.3, 0, 0, IgmOptions.Projected.HEAD), model.setup());
        resumed.restore(state);
        assertEquals(state.keySet(), resumed.state().keySet());
        state.forEach((k, v) -> assertArrayEquals(v.toDoubles(), resumed.state().get(k).toDoubles(), k));

        // inside a stage nothing happens
        ScriptedRun inside = new ScriptedRun(1, model.params(), model.roles(), best, batches);
        new Igm(new IgmOptions(List.of(2), 0.4, 0.3, IgmOptions.Flat.SAM, 0, 0, 1, IgmOptions.Projected.HEAD, 0, 0.1),
                model.setup()).onEpochStart(inside);
        assertEquals(0, inside.optimizerResets);
    }

    @Test
    void thePlanMixesTheTrainedModalityAndTrainsOnlyItsParameters(@TempDir Path tmp) throws Exception {
        Model model = model(tmp.resolve("a"), TWO, 8, 6, 4, 3);
        Igm igm = new Igm(new IgmOptions(List.of(2, 3), 0.4, 0.3, IgmOptions.Flat.FAITHFUL, 1e-10, 1e-10, 1.0,
                IgmOptions.Projected.HEAD, 2, 0.5), model.setup());
        float[] text = new float[BATCH * 4 * 10];
        float[] image = new float[BATCH * 5 * 12];
        Random rng = new Random(1);
        for (int i = 0; i < text.length; i++) {
            text[i] = (float) rng.nextGaussian();
        }
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) rng.nextGaussian();
        }
        Map<String, FloatBuffer> features = Map.of("text", FloatBuffer.wrap(text.clone()), "image", FloatBuffer.wrap(image.clone()));
        Targets y = Targets.classes(new long[] {0, 1, 2, 1});
        // epoch 3 is the second epoch of stage 2 (text, epochs 2-4)
        ScriptedStep step = new ScriptedStep(11, 3, List.of("image", "text"), y, model.params(), model.roles(), features,
                Map.of(), Map.of(), Map.of());
        StepPlan plan = igm.plan(step);

        Mixup want = Mixup.draw(dev.cggm.train.method.StepContext.randomOf(7, 11, 0, 0), BATCH, 1.0);
        FloatBuffer mixed = FloatBuffer.wrap(text.clone());
        want.mix(mixed, BATCH, 40);
        assertArrayEquals(mixed.array(), features.get("text").array());
        assertArrayEquals(image, features.get("image").array(), "the other modality is left alone");
        assertArrayEquals(want.secondLabels(y), plan.inputs().get(Igm.SECOND_LABEL).longs());
        assertEquals((float) want.lambda(), plan.inputs().get(Igm.LAMBDA).floats()[0]);
        assertEquals(0, plan.inputs().get(Igm.LAMBDA).shape().length);

        StepPlan.Pass pass = plan.passes().get(0);
        assertEquals(1, plan.passes().size());
        assertEquals(Map.of("loss", 0.0, "igm/mixup_loss/text", 1.0), pass.lossWeights());
        for (ParameterSet.Param p : model.params().all()) {
            assertEquals(p.name().contains(".text."), pass.trains().test(p), p.name());
        }
        // official StepLR order (stepped before each epoch): epoch 1 of the stage, step 2 → γ^⌊2/2⌋
        assertEquals(0.5, pass.lrScale().applyAsDouble(model.params().all().get(0)), 1e-12);
    }

    @Test
    void optionsAreValidatedByName() {
        var e = assertThrows(dev.cggm.train.config.InvalidOption.class, () -> new IgmOptions(List.of(0), 0.4, 0.3,
                IgmOptions.Flat.SAM, 0, 0, 1, IgmOptions.Projected.HEAD, 0, 0.1));
        assertEquals("stage_epochs", e.field());
        assertEquals("flat_ratio", assertThrows(dev.cggm.train.config.InvalidOption.class, () -> new IgmOptions(List.of(1),
                0.4, 1.5, IgmOptions.Flat.SAM, 0, 0, 1, IgmOptions.Projected.HEAD, 0, 0.1)).field());
        assertEquals("flat_rho_head", assertThrows(dev.cggm.train.config.InvalidOption.class, () -> new IgmOptions(List.of(1),
                0.4, 0.3, IgmOptions.Flat.SAM, 0, -1, 1, IgmOptions.Projected.HEAD, 0, 0.1)).field());
        assertEquals("stage_lr_gamma", assertThrows(dev.cggm.train.config.InvalidOption.class, () -> new IgmOptions(
                List.of(1), 0.4, 0.3, IgmOptions.Flat.SAM, 0, 0, 1, IgmOptions.Projected.HEAD, 3, 0)).field());
    }
}
