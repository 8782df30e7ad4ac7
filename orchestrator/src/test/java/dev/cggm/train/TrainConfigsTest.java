package dev.cggm.train;

import dev.cggm.train.config.InvalidOption;
import dev.cggm.train.config.OptimizerKind;
import dev.cggm.train.method.CggmOptions;
import dev.cggm.train.method.JointTraining;
import dev.cggm.train.run.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Run configurations are built, validated and named by path in one place for the CLI, the API and config.json. */
class TrainConfigsTest {
    @Test
    void presetRecipeAndMethodDefaultsThenOptionsByPath() {
        TrainConfig c = TrainConfigs.resolve("food101", "/f", "cggm", Map.of("optimizer.lr", 0.01, "method.rho", 1.5,
                "data.modalities", List.of("text", "image")));
        assertEquals(OptimizerKind.ADAMW, c.optimizer().kind());
        assertEquals(0.01, c.optimizer().lr());
        assertEquals(6e-3, c.optimizer().weightDecay());
        CggmOptions cggm = assertInstanceOf(CggmOptions.class, c.method());
        assertEquals(1.5, cggm.rho());
        assertEquals(0.05, cggm.lambda(), "food101's λ");
        assertEquals("cggm-reference", c.model().architecture());
        assertEquals(List.of("text", "image"), c.data().modalities());
    }

    @Test
    void variantsAndAliasesNameAMethodWithOptions() {
        TrainConfig guarded = TrainConfigs.resolve("tiny", "/f", "cggm-guarded", Map.of());
        assertEquals(CggmOptions.Coefficients.GUARDED, ((CggmOptions) guarded.method()).coefficients());
        assertEquals("cggm", guarded.methodId());
        assertInstanceOf(JointTraining.Options.class, TrainConfigs.resolve("tiny", "/f", "none", Map.of()).method());
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "optimizer.lr | NaN | optimizer.lr | must be a finite number > 0, got NaN",
            "optimizer.lr | Infinity | optimizer.lr | must be a finite number > 0, got Infinity",
            "optimizer.weight_decay | -1 | optimizer.weight_decay | must be a finite number >= 0, got -1.0",
            "loop.clip | NaN | loop.clip | must be a finite number >= 0, got NaN",
            "method.rho | NaN | method.rho | must be a finite number > 0, got NaN",
            "loop.batch_size | 0 | loop.batch_size | must be in 1..100000, got 0",
            "optimizer.kind | lion | optimizer.kind | must be one of adamw, adam, sgd, got 'lion'",
            "method.coefficients | wild | method.coefficients | must be one of faithful, guarded, got 'wild'",
            "runtime.device | tpu | runtime.device | ",
            "schedule.factor | 0 | schedule.factor | must be in (0, 1], got 0.0",
    })
    void invalidValuesAreNamedByPath(String path, String value, String field, String reason) {
        Object v = value.matches("-?\\d+") ? (Object) Integer.parseInt(value)
                : value.equals("NaN") ? (Object) Double.NaN : value.equals("Infinity") ? (Object) Double.POSITIVE_INFINITY : value;
        InvalidOption e = assertThrows(InvalidOption.class, () -> TrainConfigs.resolve("tiny", "/f", "cggm", Map.of(path, v)));
        assertEquals(field, e.field(), e.getMessage());
        if (reason != null) {
            assertEquals(reason, e.reason());
        }
    }

    @Test
    void wrongTypesAndUnknownOptionsAreNamed() {
        InvalidOption t = assertThrows(InvalidOption.class,
                () -> TrainConfigs.resolve("tiny", "/f", "cggm", Map.of("loop.epochs", "many")));
        assertEquals("loop.epochs", t.field());
        assertTrue(t.reason().contains("integer"), t.reason());
        InvalidOption frac = assertThrows(InvalidOption.class,
                () -> TrainConfigs.resolve("tiny", "/f", "cggm", Map.of("loop.epochs", 2.5)));
        assertEquals("loop.epochs", frac.field());
        InvalidOption u = assertThrows(InvalidOption.class,
                () -> TrainConfigs.resolve("tiny", "/f", "joint", Map.of("method.rho", 1.5)));
        assertEquals("method.rho", u.field());
        assertTrue(u.reason().contains("method 'joint'"), u.reason());
        InvalidOption m = assertThrows(InvalidOption.class, () -> TrainConfigs.resolve("tiny", "/f", "magic", Map.of()));
        assertEquals("method", m.field());
        assertTrue(m.reason().contains("known methods: joint, cggm"), m.reason());
        InvalidOption arch = assertThrows(InvalidOption.class,
                () -> TrainConfigs.resolve("tiny", "/f", "cggm", Map.of("model.architecture", "late-fusion")));
        assertEquals("model.architecture", arch.field());
        assertTrue(arch.reason().contains("runs on [cggm-reference, multimodal-unet], not 'late-fusion'"), arch.reason());
    }

    @Test
    void configJsonRoundTripsAndNamesTheMethod(@TempDir Path tmp) throws Exception {
        TrainConfig c = TrainConfigs.resolve("mosi", "/f", "cggm-guarded", Map.of("loop.seed", 7));
        Path file = tmp.resolve("config.json");
        Json.writeAtomically(file, c);
        assertTrue(Files.readString(file).contains("\"id\" : \"cggm\""), Files.readString(file));
        assertEquals(c, TrainConfigs.read(file));
        assertEquals(c.with(Map.of("runtime.threads", 3)).runtime().threads(), 3);
    }

    @Test
    void theFlatConfigOfEarlierRunsStillReads(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("config.json");
        Files.writeString(file, """
                {"features":"/store","preset":"food101","modulation":"cggm","rho":1.3,"lambda":0.05,"direction":"WEIGHTS",
                 "coefficients":"GUARDED","epochs":10,"batch_size":64,"seed":666,"optimizer":"adamw","lr":0.001,
                 "weight_decay":0.006,"momentum":0.9,"classifier_lr":5.0E-4,"classifier_weight_decay":0.003,"clip":0.8,
                 "scheduler":"plateau","patience":10,"factor":0.1,"warmup_epochs":0,"min_lr":0.0,"step_size":10,"gamma":0.1,
                 "dropout":true,"device":"auto","threads":0,"checkpoint_every":0,"select_by":"metric"}""");
        TrainConfig c = TrainConfigs.read(file);
        assertEquals("/store", c.data().features());
        assertEquals(CggmOptions.Coefficients.GUARDED, ((CggmOptions) c.method()).coefficients());
        assertEquals(64, c.loop().batchSize());
        assertEquals(5e-4, c.auxiliary().lr());
    }
}
