package dev.cggm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cggm.onnx.models.CggmModel;
import dev.cggm.train.run.Json;

import java.util.Locale;

/**
 * The flat {@code config.json} of runs written before methods had typed options (one record of
 * 29 fields, {@code "modulation": "none" | "cggm"}), as today's nested form, so those runs still
 * resume.
 */
final class LegacyConfig {
    private LegacyConfig() {
    }

    static ObjectNode upgrade(JsonNode f) {
        ObjectNode c = Json.FILES.createObjectNode();
        c.putObject("data").put("features", f.path("features").asText()).putArray("modalities");
        ObjectNode model = c.putObject("model");
        model.put("preset", f.path("preset").asText()).put("architecture", CggmModel.ID).put("faithful_projection", false);
        model.putArray("modality_order");
        ObjectNode method = c.putObject("method");
        if ("cggm".equals(f.path("modulation").asText())) {
            method.put("id", "cggm").put("rho", f.path("rho").asDouble()).put("lambda", f.path("lambda").asDouble())
                    .put("direction", f.path("direction").asText().toLowerCase(Locale.ROOT))
                    .put("coefficients", f.path("coefficients").asText().toLowerCase(Locale.ROOT));
        } else {
            method.put("id", "joint");
        }
        c.putObject("optimizer").put("kind", f.path("optimizer").asText()).put("lr", f.path("lr").asDouble())
                .put("weight_decay", f.path("weight_decay").asDouble()).put("momentum", f.path("momentum").asDouble());
        c.putObject("auxiliary").put("lr", f.path("classifier_lr").asDouble())
                .put("weight_decay", f.path("classifier_weight_decay").asDouble());
        c.putObject("schedule").put("kind", f.path("scheduler").asText()).put("patience", f.path("patience").asInt())
                .put("factor", f.path("factor").asDouble()).put("warmup_epochs", f.path("warmup_epochs").asInt())
                .put("min_lr", f.path("min_lr").asDouble()).put("step_size", f.path("step_size").asInt())
                .put("gamma", f.path("gamma").asDouble());
        c.putObject("loop").put("epochs", f.path("epochs").asInt()).put("batch_size", f.path("batch_size").asInt())
                .put("seed", f.path("seed").asLong()).put("clip", f.path("clip").asDouble())
                .put("dropout", f.path("dropout").asBoolean()).put("checkpoint_every", f.path("checkpoint_every").asInt())
                .put("select_by", f.path("select_by").asText());
        c.putObject("runtime").put("device", f.path("device").asText()).put("threads", f.path("threads").asInt());
        return c;
    }
}
