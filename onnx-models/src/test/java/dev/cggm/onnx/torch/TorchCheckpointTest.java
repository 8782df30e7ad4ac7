package dev.cggm.onnx.torch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads checkpoints that PyTorch 1.13 wrote with {@code torch.save} in both of its formats
 * (src/test/resources/torch: a permuted view, a slice at an offset into a shared storage, int64,
 * float16 and float64 storages; {@code expected.json} holds the values PyTorch printed).
 */
class TorchCheckpointTest {
    @ParameterizedTest
    @ValueSource(strings = {"legacy.pth", "zip.pth"})
    void readsTensorsAsPyTorchWroteThem(String file) throws Exception {
        Map<String, TorchCheckpoint.Tensor> t = TorchCheckpoint.read(resource(file));
        JsonNode expected = new ObjectMapper().readTree(resource("expected.json").toFile());
        List<String> names = new ArrayList<>();
        expected.fieldNames().forEachRemaining(names::add);
        assertEquals(new java.util.TreeSet<>(names), new java.util.TreeSet<>(t.keySet()));
        for (String name : names) {
            JsonNode e = expected.get(name);
            long[] shape = new long[e.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = e.get("shape").get(i).asLong();
            }
            float[] values = new float[e.get("values").size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) e.get("values").get(i).asDouble();
            }
            assertArrayEquals(shape, t.get(name).shape(), name);
            assertArrayEquals(values, t.get(name).values(), name);
        }
        assertEquals("LongStorage", t.get("bn.num_batches_tracked").storageType());
        assertEquals("HalfStorage", t.get("half").storageType());
    }

    @Test
    void aFileThatIsNoCheckpointIsAClearError(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("weights.pth"), "not a checkpoint at all");
        TorchCheckpointException e = assertThrows(TorchCheckpointException.class, () -> TorchCheckpoint.read(text));
        assertTrue(e.getMessage().startsWith(text + ": "), e.getMessage());

        Path truncated = dir.resolve("truncated.pth");
        byte[] legacy = Files.readAllBytes(resource("legacy.pth"));
        Files.write(truncated, java.util.Arrays.copyOf(legacy, legacy.length - 10));
        e = assertThrows(TorchCheckpointException.class, () -> TorchCheckpoint.read(truncated));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(TorchCheckpointTest.class.getResource("/torch/" + name).toURI());
    }
}
