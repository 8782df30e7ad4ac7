package dev.cggm.features.encoders;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.cggm.features.images.PreprocessorConfig;
import dev.cggm.onnx.runtime.DeviceSessions;

import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Set;

/**
 * A ViT-family image encoder in an ONNX Runtime session. On opening, the declared interface is
 * checked ({@code pixel_values} float [B, 3, H, W] → {@code last_hidden_state} float [B, L, D]),
 * the preprocessing size is checked against a fixed input size, and a probe run gives L and D.
 * Not thread-safe: one thread runs it.
 */
public final class ImageEncoder implements AutoCloseable {
    public static final String INPUT = "pixel_values";
    public static final String OUTPUT = "last_hidden_state";
    static final String INTERFACE = "(pixel_values: float [batch, 3, height, width] → last_hidden_state: float "
            + "[batch, positions, hidden])";

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final String name;
    private final PreprocessorConfig pre;
    private final int seqLen;
    private final int hidden;

    private ImageEncoder(OrtSession session, String name, PreprocessorConfig pre, int seqLen, int hidden) {
        this.session = session;
        this.name = name;
        this.pre = pre;
        this.seqLen = seqLen;
        this.hidden = hidden;
    }

    /**
     * Opens the encoder. {@code pre} is the preprocessing to use (the model's own or one from
     * flags); its size must equal the model's input size when that is fixed.
     *
     * @throws EncoderInterfaceException naming the model when it does not fit
     */
    public static ImageEncoder open(ImageEncoderSpec spec, PreprocessorConfig pre, DeviceSessions devices)
            throws OrtException {
        String model = spec.name() + " (" + spec.model().location() + ")";
        OrtSession s = OrtInterface.load(spec.model(), "image", model, devices);
        try {
            TensorInfo in = OrtInterface.tensor(s.getInputInfo(), "image", model, INPUT, false, OnnxJavaType.FLOAT, 4, true,
                    INTERFACE);
            OrtInterface.noOtherInputs(s, "image", model, Set.of(INPUT), INTERFACE);
            OrtInterface.tensor(s.getOutputInfo(), "image", model, OUTPUT, true, OnnxJavaType.FLOAT, 3, true, INTERFACE);
            long[] shape = in.getShape();
            if (shape[1] > 0 && shape[1] != 3) {
                throw new EncoderInterfaceException("image encoder " + model + " does not match the interface "
                        + INTERFACE + ": pixel_values has " + shape[1] + " channels, expected 3");
            }
            if ((shape[2] > 0 && shape[2] != pre.height()) || (shape[3] > 0 && shape[3] != pre.width())) {
                throw new EncoderInterfaceException("image encoder " + model + " takes " + shape[2] + "x" + shape[3]
                        + " images but preprocessing resizes to " + pre.height() + "x" + pre.width()
                        + " (fix --image-size or the preprocessor_config.json)");
            }
            float[] zeros = new float[3 * pre.height() * pre.width()];
            long[] probeShape = {1, 3, pre.height(), pre.width()};
            long[] out;
            try (OnnxTensor x = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), FloatBuffer.wrap(zeros), probeShape);
                 OrtSession.Result r = s.run(Map.of(INPUT, x), Set.of(OUTPUT))) {
                out = ((OnnxTensor) r.get(0)).getInfo().getShape();
            } catch (OrtException e) {
                throw new EncoderInterfaceException("image encoder " + model + " fails on a " + pre.height() + "x"
                        + pre.width() + " input: " + OrtInterface.firstLine(e), e);
            }
            if (out.length != 3 || out[0] != 1 || out[1] <= 0 || out[2] <= 0) {
                throw new EncoderInterfaceException("image encoder " + model + " does not match the interface "
                        + INTERFACE + ": returned last_hidden_state " + OrtInterface.shape(out) + " for one image");
            }
            return new ImageEncoder(s, spec.name(), pre, (int) out[1], (int) out[2]);
        } catch (OrtException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Runs a batch of {@code batch × 3 × H × W} pixel values from a direct buffer (no copy). With
     * {@code out} non-null (float32 [batch, L, D] over a direct buffer) the output is written into
     * it; otherwise the result holds it. The caller closes the result.
     */
    public OrtSession.Result run(FloatBuffer pixels, int batch, FloatBuffer out) throws OrtException {
        try (OnnxTensor x = OnnxTensor.createTensor(env, pixels, new long[] {batch, 3, pre.height(), pre.width()})) {
            if (out == null) {
                return session.run(Map.of(INPUT, x), Set.of(OUTPUT));
            }
            try (OnnxTensor pinned = OnnxTensor.createTensor(env, out, new long[] {batch, seqLen, hidden})) {
                Map<String, OnnxValue> outputs = Map.of(OUTPUT, pinned);
                return session.run(Map.of(INPUT, x), outputs);
            }
        }
    }

    public String name() {
        return name;
    }

    public PreprocessorConfig preprocessing() {
        return pre;
    }

    /** Positions in the output (e.g. 1 + patches). */
    public int sequenceLength() {
        return seqLen;
    }

    public int hiddenSize() {
        return hidden;
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
