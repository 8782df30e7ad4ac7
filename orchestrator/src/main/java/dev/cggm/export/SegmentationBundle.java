package dev.cggm.export;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cggm.features.encoders.ModelSource;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.onnx.compose.ModelComposer;
import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.graph.Value;
import dev.cggm.train.run.RunDirectory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bundle of a segmentation run: {@code model.onnx} takes the slices as one image of C channels
 * ({@code image} [batch, C, S, S], channels in the model's modality order, standardised as the
 * store's slices were) and gives {@code class_map} [batch, S, S] (int64, the label of each pixel),
 * {@code probabilities} [batch, classes, S, S] (softmax over the classes) and {@code output} (the
 * scores); beside it the run's {@code inference_model.onnx} as {@code fusion_model.onnx} and the
 * model card {@code model.json}. No encoders: the store holds the slices themselves.
 */
final class SegmentationBundle {
    static final String TASK = "segmentation";
    static final String IMAGE = "image";
    static final String CLASS_MAP = "class_map";

    private SegmentationBundle() {
    }

    static PipelineBundle.Result export(Path runDir, JsonNode config, Path store, StoreManifest manifest, Path out)
            throws IOException {
        byte[] fusionBytes = Files.readAllBytes(RunDirectory.open(runDir).inferenceModel());
        ModelProto fusion = PipelineBundle.parse(fusionBytes, runDir.resolve("inference_model.onnx").toString());
        List<String> channels = new ArrayList<>();
        fusion.getGraph().getInputList().forEach(i -> channels.add(i.getName()));
        var scoreDims = fusion.getGraph().getOutput(0).getType().getTensorType().getShape().getDimList();
        if (scoreDims.size() != 4) {
            throw new BundleException("run " + runDir + " is not a segmentation model: its output has "
                    + scoreDims.size() + " dimensions, not [batch, classes, H, W]");
        }
        int classes = (int) scoreDims.get(1).getDimValue();
        int h = (int) scoreDims.get(2).getDimValue();
        int w = (int) scoreDims.get(3).getDimValue();

        ModelComposer c = new ModelComposer("cggm_segmentation");
        Map<String, String> split = c.add(channelSplit(channels, h, w), "channels", Map.of());
        Map<String, String> bind = new LinkedHashMap<>();
        channels.forEach(m -> bind.put(m, split.get(m)));
        Map<String, String> fusionOut = c.add(fusion, "fusion", bind);
        String scores = fusionOut.get(fusion.getGraph().getOutput(0).getName());
        ModelProto headModel = head(classes, h, w);
        Map<String, String> head = c.add(headModel, "head", Map.of("scores", scores));
        for (ValueInfoProto o : headModel.getGraph().getOutputList()) {
            c.output(head.get(o.getName()), o.getName(), o);
        }
        c.output(scores, PipelineBundle.OUTPUT, fusion.getGraph().getOutput(0));

        ObjectNode card = PipelineBundle.JSON.createObjectNode();
        card.put("format", PipelineBundle.FORMAT).put("version", PipelineBundle.VERSION).put("task", TASK);
        var labels = card.putArray("labels");
        manifest.labelNames().forEach(labels::add);
        ObjectNode in = card.putObject("inputs").putObject(IMAGE);
        in.put("dtype", "float32").put("shape", "[batch, " + channels.size() + ", " + h + ", " + w + "]");
        var order = in.putArray("channels");
        channels.forEach(order::add);
        String transform = manifest.modalities().stream().filter(m -> m.name().equals(channels.get(0))).findFirst()
                .map(StoreManifest.ModalityInfo::transform).orElse("as stored");
        in.put("preprocessing", "as the store's slices: " + transform);
        ObjectNode outputs = card.putObject("outputs");
        outputs.putObject(CLASS_MAP).put("dtype", "int64").put("shape", "[batch, " + h + ", " + w + "]")
                .put("meaning", "the label of each pixel (index into labels)");
        outputs.putObject(PipelineBundle.PROBABILITIES).put("shape", "[batch, " + classes + ", " + h + ", " + w + "]")
                .put("meaning", "softmax of the scores over the classes");
        outputs.putObject(PipelineBundle.OUTPUT).put("shape", "[batch, " + classes + ", " + h + ", " + w + "]")
                .put("meaning", "the trained model's class scores (logits)");
        card.put("precision", manifest.precision());
        PipelineBundle.provenance(card, runDir, config, store, manifest);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("cggm.format", PipelineBundle.FORMAT + " v" + PipelineBundle.VERSION);
        metadata.put(PipelineBundle.CARD_METADATA, PipelineBundle.JSON.writeValueAsString(card));
        ModelProto model = c.build(metadata);

        Path tmp = PipelineBundle.prepare(out);
        try {
            Files.write(tmp.resolve(PipelineBundle.MODEL), model.toByteArray());
            Files.write(tmp.resolve(PipelineBundle.FUSION_MODEL), fusionBytes);
            List<PipelineBundle.BundleFile> files = new ArrayList<>();
            for (String f : List.of(PipelineBundle.MODEL, PipelineBundle.FUSION_MODEL)) {
                files.add(new PipelineBundle.BundleFile(f, Files.size(tmp.resolve(f)), ModelSource.sha256(tmp.resolve(f))));
            }
            ObjectNode fileNode = card.putObject("files");
            files.forEach(f -> fileNode.put(f.name(), f.sha256()));
            Path cardFile = tmp.resolve(PipelineBundle.CARD);
            Files.writeString(cardFile, PipelineBundle.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(card) + "\n");
            files.add(new PipelineBundle.BundleFile(PipelineBundle.CARD, Files.size(cardFile), ModelSource.sha256(cardFile)));
            PipelineBundle.publish(tmp, out);
            return new PipelineBundle.Result(out, files, card);
        } finally {
            PipelineBundle.deleteTree(tmp);
        }
    }

    /** {@code image} [batch, C, H, W] → one [batch, H, W] output per channel, named by its modality. */
    private static ModelProto channelSplit(List<String> channels, int h, int w) {
        GraphBuilder b = new GraphBuilder("channels");
        Value image = b.input(IMAGE, DType.FLOAT, Dim.sym("batch"), Dim.of(channels.size()), Dim.of(h), Dim.of(w));
        for (int k = 0; k < channels.size(); k++) {
            Value one = b.slice(image, new long[] {k}, new long[] {k + 1}, new long[] {1});
            b.output(b.squeeze(one, 1), channels.get(k));
        }
        return OnnxModels.toProto(b.graph());
    }

    /** Scores [batch, classes, H, W] → the class map and the probabilities. */
    private static ModelProto head(int classes, int h, int w) {
        GraphBuilder b = new GraphBuilder("head");
        Value scores = b.input("scores", DType.FLOAT, Dim.sym("batch"), Dim.of(classes), Dim.of(h), Dim.of(w));
        b.output(b.argMax(scores, 1, false), CLASS_MAP);
        b.output(b.softmax(scores, 1), PipelineBundle.PROBABILITIES);
        return OnnxModels.toProto(b.graph());
    }
}
