package dev.cggm.onnx.models;

import dev.cggm.onnx.tasks.Tasks;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cggm-reference model's order and projection, as the official Food-101 model has them. */
class CggmModelTest {
    static final List<Modality> TEXT_FIRST = List.of(new Modality("text", 768, 50), new Modality("image", 768, 197));

    @Test
    void food101ReadsImageFirstWhateverOrderTheStoreLists() {
        CggmModelConfig cfg = new CggmModel().configure(new ModelRequest("food101", TEXT_FIRST, Tasks.CLASSIFICATION, 101));
        assertEquals(List.of("image", "text"), cfg.modalityNames(), "the official FoodModel concatenates vision first");
        assertEquals(197, cfg.modality("image").seqLen());
    }

    @Test
    void anExplicitOrderWinsAndMustNameEveryModality() {
        CggmModelConfig cfg = new CggmModel().configure(new ModelRequest("food101", TEXT_FIRST, Tasks.CLASSIFICATION, 101,
                List.of("text", "image"), false));
        assertEquals(List.of("text", "image"), cfg.modalityNames());
        var e = assertThrows(IllegalArgumentException.class, () -> new CggmModel().configure(new ModelRequest("food101",
                TEXT_FIRST, Tasks.CLASSIFICATION, 101, List.of("text"), false)));
        assertTrue(e.getMessage().contains("must name each of the data's modalities"), e.getMessage());
    }

    @Test
    void theFaithfulProjectionUsesTheFirstProjectionAndNeedsEqualWidths() {
        CggmModelConfig cfg = new CggmModel().configure(new ModelRequest("food101", TEXT_FIRST, Tasks.CLASSIFICATION, 101,
                List.of(), true));
        assertTrue(cfg.faithfulProjection());
        ModelGraph g = new CggmModel().build(cfg, ModelGraph.Variant.EVAL, dev.cggm.onnx.graph.DType.FLOAT, false, 1);
        // proj.1 (text's own) stays declared, as projt in the official model, but nothing reads it
        assertTrue(g.scope().parameters().stream().anyMatch(p -> p.name().equals("proj.1.weight")));
        assertTrue(g.b().graph().consumers().getOrDefault("proj.1.weight", List.of()).isEmpty());
        var e = assertThrows(IllegalArgumentException.class, () -> new CggmModel().configure(new ModelRequest("food101",
                List.of(new Modality("text", 384, 16), new Modality("image", 192, 17)), Tasks.CLASSIFICATION, 10,
                List.of(), true)));
        assertTrue(e.getMessage().contains("all need its width 192"), e.getMessage());
    }
}
