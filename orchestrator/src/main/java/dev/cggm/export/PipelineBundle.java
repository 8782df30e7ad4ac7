package dev.cggm.export;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.cggm.features.FeatureException;
import dev.cggm.features.encoders.Encoders;
import dev.cggm.features.encoders.ImageEncoderSpec;
import dev.cggm.features.encoders.ModelSource;
import dev.cggm.features.encoders.TextEncoderSpec;
import dev.cggm.features.images.PreprocessorConfig;
import dev.cggm.features.store.Pooling;
import dev.cggm.features.store.Precision;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.features.store.StoreManifest.ModalityInfo;
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
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A finished run exported for pipelines that start from raw text and pixels: one directory with
 * <ul>
 *   <li>{@code model.onnx} — one graph: {@code input_ids}, {@code attention_mask}[,
 *       {@code token_type_ids}], {@code pixel_values} → the text encoder, the image encoder, the
 *       feature store's pooling and precision ({@link FeatureGlue}), the run's trained model →
 *       {@code probabilities} [batch, classes] and {@code output} (the model's scores; the value
 *       for regression). Joined at the proto level by {@link ModelComposer}; the model card is in
 *       its {@code metadata_props} ({@code cggm.model_card});</li>
 *   <li>{@code text_encoder.onnx}, {@code image_encoder.onnx}, {@code fusion_model.onnx} — each
 *       part on its own (the encoders exactly as extraction ran them);</li>
 *   <li>{@code tokenizer.json} — padding and truncation set to the store's max length, so
 *       HuggingFace {@code tokenizers} alone gives the ids; {@code preprocessor_config.json} — the
 *       image pre-processing the store applied;</li>
 *   <li>{@code model.json} — the model card: labels, modalities, pre-processing, encoder and data
 *       provenance with SHA-256, metrics, method, and every file's SHA-256.</li>
 * </ul>
 * The encoders are rebuilt from the names and sources the store's manifest records and must have
 * the SHA-256 it records; otherwise the export stops and says which changed.
 */
public final class PipelineBundle {
    public static final String FORMAT = "cggm-pipeline-bundle";
    public static final int VERSION = 1;
    public static final String MODEL = "model.onnx";
    public static final String TEXT_ENCODER = "text_encoder.onnx";
    public static final String IMAGE_ENCODER = "image_encoder.onnx";
    public static final String FUSION_MODEL = "fusion_model.onnx";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String PREPROCESSOR = "preprocessor_config.json";
    public static final String CARD = "model.json";
    public static final String CARD_METADATA = "cggm.model_card";
    public static final String PROBABILITIES = "probabilities";
    public static final String OUTPUT = "output";
    static final ObjectMapper JSON = StoreManifest.JSON;

    /** A file of the bundle. */
    public record BundleFile(String name, long size, String sha256) {
    }

    /** What was written. */
    public record Result(Path dir, List<BundleFile> files, JsonNode card) {
    }

    private PipelineBundle() {
    }

    /**
     * Writes the bundle of the run in {@code runDir} into {@code out} (which must not exist or be
     * empty), reading the features it trained on from {@code features} (null: the run's own).
     */
    public static Result export(Path runDir, Path features, Path out) throws IOException {
        RunDirectory run = RunDirectory.open(runDir);
        JsonNode config = JSON.readTree(runDir.resolve(RunDirectory.CONFIG).toFile());
        Path store = features != null ? features : Path.of(text(config, "features", runDir));
        Path fusionFile = run.inferenceModel();
        if (!Files.isRegularFile(fusionFile)) {
            throw new BundleException("run " + runDir + " has no inference_model.onnx yet: export a finished run");
        }
        StoreManifest manifest;
        try {
            manifest = StoreManifest.read(store);
        } catch (FeatureException e) {
            throw new BundleException("the run's feature store is needed to export it: " + e.getMessage(), e);
        }
        ModalityInfo textInfo = modality(manifest, true);
        ModalityInfo imageInfo = modality(manifest, false);
        TextEncoderSpec text;
        ImageEncoderSpec image;
        byte[] textBytes;
        byte[] imageBytes;
        try {
            text = textSpec(textInfo);
            image = imageSpec(imageInfo);
            textBytes = text.model().read();
            imageBytes = image.model().read();
        } catch (FeatureException e) {
            throw new BundleException("the encoders the features were made with are needed to export: " + e.getMessage(), e);
        }
        byte[] fusionBytes = Files.readAllBytes(fusionFile);
        ModelProto fusion = parse(fusionBytes, fusionFile.toString());
        List<String> labels = manifest.labelNames();
        int outputDim = outputDim(fusion);
        boolean classification = !labels.isEmpty() && labels.size() == outputDim;

        Precision precision = Precision.parse(manifest.precision());
        List<FeatureGlue.Step> steps = new ArrayList<>();
        for (ValueInfoProto in : fusion.getGraph().getInputList()) {
            ModalityInfo m = manifest.modalities().stream().filter(x -> x.name().equals(in.getName())).findFirst()
                    .orElseThrow(() -> new BundleException("the run's model reads '" + in.getName()
                            + "', which its feature store " + store + " does not have"));
            steps.add(new FeatureGlue.Step(m.name(), m.encoderShape().get(0), m.encoderShape().get(1),
                    Pooling.parse(m.pooling()), m.tokenizer() != null));
        }

        ModelComposer c = new ModelComposer("cggm_pipeline");
        ModelProto textModel = parse(textBytes, text.model().location());
        Map<String, String> textOut = c.add(textModel, "text", Map.of());
        List<String> constants = textModel.getGraph().getInitializerList().stream().map(TensorProto::getName).toList();
        for (ValueInfoProto in : textModel.getGraph().getInputList()) {   // the trained model needs max_length tokens
            if (!constants.contains(in.getName())) {
                c.retypeInput(int64Info(in.getName(), textInfo.maxLength()));
            }
        }
        Map<String, String> imageOut = c.add(parse(imageBytes, image.model().location()), "image", Map.of());
        Map<String, String> glueBind = new LinkedHashMap<>();
        for (FeatureGlue.Step s : steps) {
            glueBind.put(s.input(), (s.modality().equals(textInfo.name()) ? textOut : imageOut).get("last_hidden_state"));
            if (s.masked() && s.pooling() == Pooling.MEAN) {
                glueBind.put(FeatureGlue.MASK, FeatureGlue.MASK);
            }
        }
        Map<String, String> glueOut = c.add(FeatureGlue.build(steps, precision), "features", glueBind);
        Map<String, String> fusionBind = new LinkedHashMap<>();
        steps.forEach(s -> fusionBind.put(s.modality(), glueOut.get(s.modality())));
        Map<String, String> fusionOut = c.add(fusion, "fusion", fusionBind);
        String scores = fusionOut.get(fusion.getGraph().getOutput(0).getName());
        if (classification) {
            Map<String, String> head = c.add(softmaxHead(outputDim), "head", Map.of("scores", scores));
            c.output(head.get(PROBABILITIES), PROBABILITIES, floatInfo(PROBABILITIES, outputDim));
        }
        c.output(scores, OUTPUT, floatInfo(OUTPUT, outputDim));

        ObjectNode card = card(runDir, config, store, manifest, textInfo, imageInfo, classification, outputDim,
                text, image);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("cggm.format", FORMAT + " v" + VERSION);
        metadata.put(CARD_METADATA, JSON.writeValueAsString(card));
        ModelProto model = c.build(metadata);

        Path tmp = prepare(out);
        try {
            Files.write(tmp.resolve(MODEL), model.toByteArray());
            Files.write(tmp.resolve(TEXT_ENCODER), textBytes);
            Files.write(tmp.resolve(IMAGE_ENCODER), imageBytes);
            Files.write(tmp.resolve(FUSION_MODEL), fusionBytes);
            Files.write(tmp.resolve(TOKENIZER), tokenizerJson(text.tokenizer(), textInfo.maxLength()));
            Files.writeString(tmp.resolve(PREPROCESSOR), preprocessing(imageInfo).toJson());
            List<BundleFile> files = new ArrayList<>();
            for (String f : List.of(MODEL, TEXT_ENCODER, IMAGE_ENCODER, FUSION_MODEL, TOKENIZER, PREPROCESSOR)) {
                files.add(new BundleFile(f, Files.size(tmp.resolve(f)), ModelSource.sha256(tmp.resolve(f))));
            }
            ObjectNode fileNode = card.putObject("files");
            files.forEach(f -> fileNode.put(f.name(), f.sha256()));
            Files.writeString(tmp.resolve(CARD), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(card) + "\n");
            files.add(new BundleFile(CARD, Files.size(tmp.resolve(CARD)), ModelSource.sha256(tmp.resolve(CARD))));
            publish(tmp, out);
            return new Result(out, files, card);
        } finally {
            deleteTree(tmp);
        }
    }

    private static ModalityInfo modality(StoreManifest m, boolean text) {
        return m.modalities().stream().filter(x -> text ? x.tokenizer() != null : x.preprocessing() != null).findFirst()
                .orElseThrow(() -> new BundleException("the feature store has no " + (text ? "text" : "image")
                        + " modality: a pipeline bundle needs one text and one image encoder"));
    }

    private static TextEncoderSpec textSpec(ModalityInfo m) {
        TextEncoderSpec spec = Encoders.textNames().contains(m.encoder()) ? Encoders.text(m.encoder(), null)
                : Encoders.text(m.source(), Path.of(m.tokenizer().source()));
        same("text encoder " + m.encoder(), m.sha256(), spec.model());
        same("tokenizer of " + m.encoder(), m.tokenizer().sha256(), spec.tokenizer());
        return spec;
    }

    private static ImageEncoderSpec imageSpec(ModalityInfo m) {
        ImageEncoderSpec spec = Encoders.imageNames().contains(m.encoder()) ? Encoders.image(m.encoder(), null)
                : Encoders.image(m.source(), null);
        same("image encoder " + m.encoder(), m.sha256(), spec.model());
        return spec;
    }

    private static void same(String what, String recorded, ModelSource now) {
        if (!now.sha256().equals(recorded)) {
            throw new BundleException(what + " is not the one the features were made with: the store records SHA-256 "
                    + recorded + ", " + now.location() + " has " + now.sha256());
        }
    }

    static PreprocessorConfig preprocessing(ModalityInfo image) {
        StoreManifest.PreprocessingInfo p = image.preprocessing();
        float[] mean = new float[3];
        float[] std = new float[3];
        for (int i = 0; i < 3; i++) {
            mean[i] = p.mean().get(i);
            std[i] = p.std().get(i);
        }
        return new PreprocessorConfig(p.height(), p.width(), p.rescaleFactor(), mean, std,
                p.shortestEdge() == null ? 0 : p.shortestEdge());
    }

    /** The tokenizer with HuggingFace's padding and truncation fixed at {@code maxLength}, as extraction used it. */
    static byte[] tokenizerJson(ModelSource tokenizer, int maxLength) throws IOException {
        ObjectNode t = (ObjectNode) JSON.readTree(tokenizer.read());
        ObjectNode trunc = t.putObject("truncation");
        trunc.put("direction", "Right").put("max_length", maxLength).put("strategy", "LongestFirst").put("stride", 0);
        JsonNode oldPad = t.path("padding");
        ObjectNode pad = t.putObject("padding");
        pad.putObject("strategy").put("Fixed", maxLength);
        pad.put("direction", "Right").putNull("pad_to_multiple_of");
        pad.put("pad_id", oldPad.path("pad_id").asInt(0)).put("pad_type_id", oldPad.path("pad_type_id").asInt(0))
                .put("pad_token", oldPad.path("pad_token").asText("[PAD]"));
        return JSON.writeValueAsBytes(t);
    }

    private static ObjectNode card(Path runDir, JsonNode config, Path store, StoreManifest manifest, ModalityInfo text,
                                   ModalityInfo image, boolean classification, int outputDim, TextEncoderSpec textSpec,
                                   ImageEncoderSpec imageSpec) throws IOException {
        ObjectNode card = JSON.createObjectNode();
        card.put("format", FORMAT).put("version", VERSION);
        card.put("task", classification ? "classification" : "regression");
        var labels = card.putArray("labels");
        manifest.labelNames().forEach(labels::add);
        ObjectNode inputs = card.putObject("inputs");
        inputs.putObject("input_ids").put("dtype", "int64").put("shape", "[batch, " + text.maxLength() + "]");
        inputs.putObject("attention_mask").put("dtype", "int64").put("shape", "[batch, " + text.maxLength() + "]");
        inputs.putObject("token_type_ids").put("dtype", "int64").put("shape", "[batch, " + text.maxLength() + "]")
                .put("note", "only when the text encoder takes it");
        PreprocessorConfig pre = preprocessing(image);
        inputs.putObject("pixel_values").put("dtype", "float32").put("shape", "[batch, 3, " + pre.height() + ", "
                + pre.width() + "]");
        ObjectNode outputs = card.putObject("outputs");
        if (classification) {
            outputs.putObject(PROBABILITIES).put("shape", "[batch, " + outputDim + "]").put("meaning",
                    "softmax of the scores, in label order");
        }
        outputs.putObject(OUTPUT).put("shape", "[batch, " + outputDim + "]").put("meaning",
                classification ? "the trained model's class scores (logits)" : "the predicted value");
        ObjectNode mods = card.putObject("modalities");
        ObjectNode t = mods.putObject(text.name());
        encoder(t, text, textSpec.model());
        t.putObject("tokenizer").put("file", TOKENIZER).put("source", text.tokenizer().source())
                .put("sha256", text.tokenizer().sha256()).put("max_length", text.maxLength())
                .put("padding", "right, to max_length").put("special_tokens", true);
        ObjectNode i = mods.putObject(image.name());
        encoder(i, image, imageSpec.model());
        i.put("preprocessor_config", PREPROCESSOR);
        i.put("preprocessing", pre.toString());
        card.put("precision", manifest.precision());
        ObjectNode data = card.putObject("data");
        data.put("dataset_format", manifest.dataset().format()).put("dataset", manifest.dataset().path())
                .put("dataset_sha256", manifest.dataset().sha256()).put("feature_store", store.toAbsolutePath().toString());
        ObjectNode training = card.putObject("training");
        training.put("run", runDir.toAbsolutePath().toString());
        JsonNode method = config.findValue("method");          // {"id": "cggm", options...}
        if (method != null && method.isObject()) {
            training.put("method", method.path("id").asText());
            training.set("method_options", method);
        } else {
            training.set("method", method);
        }
        training.set("config", config);
        Path summary = runDir.resolve("summary.json");
        if (Files.isRegularFile(summary)) {
            training.set("summary", JSON.readTree(summary.toFile()));
        }
        return card;
    }

    private static void encoder(ObjectNode n, ModalityInfo m, ModelSource source) {
        n.put("encoder", m.encoder()).put("source", source.location()).put("sha256", m.sha256())
                .put("pretrained", m.pretrained()).put("pooling", m.pooling());
        var shape = n.putArray("encoder_output");
        m.encoderShape().forEach(shape::add);
        var feat = n.putArray("features");
        m.shape().forEach(feat::add);
    }

    private static ModelProto softmaxHead(int classes) {
        GraphBuilder b = new GraphBuilder("head");
        Value scores = b.input("scores", DType.FLOAT, Dim.sym("batch"), Dim.of(classes));
        b.output(b.softmax(scores, -1), PROBABILITIES);
        return OnnxModels.toProto(b.graph());
    }

    private static ValueInfoProto floatInfo(String name, int width) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    private static ValueInfoProto int64Info(String name, int length) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(length)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.INT64_VALUE).setShape(shape))).build();
    }

    private static int outputDim(ModelProto fusion) {
        var dims = fusion.getGraph().getOutput(0).getType().getTensorType().getShape().getDimList();
        if (dims.size() != 2 || !dims.get(1).hasDimValue()) {
            throw new BundleException("the run's inference model has an output of unexpected shape");
        }
        return (int) dims.get(1).getDimValue();
    }

    private static ModelProto parse(byte[] bytes, String origin) {
        try {
            return ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new BundleException(origin + " is not an ONNX model: " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode config, String field, Path runDir) {
        JsonNode v = config.findValue(field);
        if (v == null || !v.isTextual()) {
            throw new BundleException(runDir.resolve(RunDirectory.CONFIG) + " names no " + field);
        }
        return v.asText();
    }

    private static Path prepare(Path out) throws IOException {
        if (Files.isDirectory(out)) {
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new BundleException("--out " + out + " exists and is not empty: choose a new directory");
                }
            }
        } else if (Files.exists(out)) {
            throw new BundleException("--out " + out + " is a file: choose a new directory");
        }
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        return Files.createTempDirectory(parent, "." + out.getFileName() + "-");
    }

    private static void publish(Path tmp, Path out) throws IOException {
        Files.deleteIfExists(out);   // an empty directory
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
