package dev.cggm.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cggm.features.BadSampleException;
import dev.cggm.features.encoders.ModelSource;
import dev.cggm.features.images.ImageDecoder;
import dev.cggm.features.images.ImagePreprocessor;
import dev.cggm.features.images.PreprocessorConfig;
import dev.cggm.features.tokenize.TextTokenizer;
import dev.cggm.features.tokenize.Tokens;
import dev.cggm.onnx.runtime.DeviceSessions;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a pipeline bundle ({@link PipelineBundle}) on raw samples, one at a time: the bundle's
 * tokenizer and image pre-processing, then one ONNX Runtime run of its {@code model.onnx}. One
 * sample per run keeps a prediction independent of the others (dynamically quantized encoders
 * compute their scales over the whole batch). Not thread-safe.
 */
public final class BundlePredictor implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final TextTokenizer tokenizer;
    private final ImagePreprocessor preprocessor;
    private final ImageDecoder decoder = new ImageDecoder();
    private final List<String> labels;
    private final boolean classification;
    private final boolean typeIds;

    /** A sample's result: the model's scores and, for classification, the class probabilities. */
    public record Prediction(String id, float[] output, float[] probabilities) {
    }

    private BundlePredictor(OrtSession session, TextTokenizer tokenizer, ImagePreprocessor preprocessor,
                            List<String> labels, boolean classification) throws OrtException {
        this.session = session;
        this.tokenizer = tokenizer;
        this.preprocessor = preprocessor;
        this.labels = labels;
        this.classification = classification;
        this.typeIds = session.getInputNames().contains("token_type_ids");
    }

    /**
     * Opens a bundle directory.
     *
     * @throws BundleException when it is not a bundle (no model.json, another format)
     */
    public static BundlePredictor open(Path dir, DeviceSessions devices) throws IOException, OrtException {
        Path cardFile = dir.resolve(PipelineBundle.CARD);
        if (!Files.isRegularFile(cardFile)) {
            throw new BundleException(dir + " is not a pipeline bundle (no " + PipelineBundle.CARD
                    + "; make one with ./cggm export RUN --out DIR)");
        }
        JsonNode card = PipelineBundle.JSON.readTree(cardFile.toFile());
        if (!PipelineBundle.FORMAT.equals(card.path("format").asText())) {
            throw new BundleException(cardFile + " is not a " + PipelineBundle.FORMAT + " card");
        }
        List<String> labels = new ArrayList<>();
        card.path("labels").forEach(l -> labels.add(l.asText()));
        int maxLength = 0;
        for (JsonNode m : card.path("modalities")) {
            maxLength = Math.max(maxLength, m.path("tokenizer").path("max_length").asInt(0));
        }
        if (maxLength < 2) {
            throw new BundleException(cardFile + " names no tokenizer max_length");
        }
        TextTokenizer tok = TextTokenizer.load(ModelSource.file(dir.resolve(PipelineBundle.TOKENIZER)), maxLength);
        try {
            PreprocessorConfig pre = PreprocessorConfig.read(dir.resolve(PipelineBundle.PREPROCESSOR));
            OrtSession s = devices.open(dir.resolve(PipelineBundle.MODEL));
            try {
                return new BundlePredictor(s, tok, new ImagePreprocessor(pre), labels,
                        "classification".equals(card.path("task").asText()));
            } catch (OrtException | RuntimeException e) {
                s.close();
                throw e;
            }
        } catch (OrtException | RuntimeException e) {
            tok.close();
            throw e;
        }
    }

    /** Class names in output order (empty for regression). */
    public List<String> labels() {
        return labels;
    }

    public boolean classification() {
        return classification;
    }

    /**
     * Predicts one sample.
     *
     * @throws BadSampleException naming the sample and the problem (empty text, unreadable image)
     */
    public Prediction predict(String id, String text, Path image) throws BadSampleException, OrtException {
        if (text == null || text.isBlank()) {
            throw new BadSampleException(id, null, "empty text");
        }
        if (image == null) {
            throw new BadSampleException(id, null, "no image");
        }
        float[] pixels = preprocessor.toPixels(decoder.decode(id, image));
        Tokens t = tokenizer.encode(text);
        long[] shape = {1, t.ids().length};
        PreprocessorConfig p = preprocessor.config();
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(t.ids()), shape));
            inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(t.attentionMask()), shape));
            if (typeIds) {
                inputs.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(t.typeIds()), shape));
            }
            inputs.put("pixel_values", OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels),
                    new long[] {1, 3, p.height(), p.width()}));
            try (OrtSession.Result r = session.run(inputs)) {
                float[] out = floats(r, PipelineBundle.OUTPUT);
                return new Prediction(id, out, classification ? floats(r, PipelineBundle.PROBABILITIES) : null);
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static float[] floats(OrtSession.Result r, String name) {
        FloatBuffer b = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }

    @Override
    public void close() throws OrtException {
        try {
            session.close();
        } finally {
            tokenizer.close();
        }
    }
}
