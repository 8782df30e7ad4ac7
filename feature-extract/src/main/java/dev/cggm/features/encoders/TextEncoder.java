package dev.cggm.features.encoders;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.cggm.features.tokenize.TextTokenizer;
import dev.cggm.onnx.runtime.DeviceSessions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A BERT-family text encoder in an ONNX Runtime session. On opening, the model's declared
 * inputs and outputs are checked against the HuggingFace interface, and one probe run with the
 * tokenizer's largest token id at the full sequence length checks that the tokenizer fits the
 * model (vocabulary and position table); the probe also gives the hidden size. Not thread-safe:
 * one thread runs it.
 */
public final class TextEncoder implements AutoCloseable {
    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String TOKEN_TYPE_IDS = "token_type_ids";
    public static final String OUTPUT = "last_hidden_state";
    static final String INTERFACE = "(input_ids, attention_mask[, token_type_ids]: int64 [batch, seq] → "
            + "last_hidden_state: float [batch, seq, hidden])";

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final String name;
    private final int maxLength;
    private final int hidden;
    private final boolean takesTypeIds;

    private TextEncoder(OrtSession session, String name, int maxLength, int hidden, boolean takesTypeIds) {
        this.session = session;
        this.name = name;
        this.maxLength = maxLength;
        this.hidden = hidden;
        this.takesTypeIds = takesTypeIds;
    }

    /**
     * Opens the encoder on the device of {@code devices} and checks it against the interface and
     * the tokenizer.
     *
     * @throws EncoderInterfaceException naming the model (and tokenizer) when they do not fit
     */
    public static TextEncoder open(TextEncoderSpec spec, TextTokenizer tokenizer, DeviceSessions devices)
            throws OrtException {
        String model = spec.name() + " (" + spec.model().location() + ")";
        OrtSession s = OrtInterface.load(spec.model(), "text", model, devices);
        try {
            Map<String, NodeInfo> in = s.getInputInfo();
            OrtInterface.tensor(in, "text", model, INPUT_IDS, false, OnnxJavaType.INT64, 2, true, INTERFACE);
            OrtInterface.tensor(in, "text", model, ATTENTION_MASK, false, OnnxJavaType.INT64, 2, true, INTERFACE);
            boolean types = OrtInterface.tensor(in, "text", model, TOKEN_TYPE_IDS, false, OnnxJavaType.INT64, 2, false,
                    INTERFACE) != null;
            OrtInterface.noOtherInputs(s, "text", model, Set.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS), INTERFACE);
            OrtInterface.tensor(s.getOutputInfo(), "text", model, OUTPUT, true, OnnxJavaType.FLOAT, 3, true, INTERFACE);
            int hidden = probe(s, model, tokenizer, types);
            return new TextEncoder(s, spec.name(), tokenizer.maxLength(), hidden, types);
        } catch (OrtException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** One run at the full length with the largest token id: out-of-vocabulary ids or too many positions fail here. */
    private static int probe(OrtSession s, String model, TextTokenizer tok, boolean types) throws OrtException {
        int len = tok.maxLength();
        long[] ids = new long[len];
        java.util.Arrays.fill(ids, tok.vocabSize() - 1L);
        long[] ones = new long[len];
        java.util.Arrays.fill(ones, 1L);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            feed.put(INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {1, len}));
            feed.put(ATTENTION_MASK, OnnxTensor.createTensor(env, LongBuffer.wrap(ones), new long[] {1, len}));
            if (types) {
                feed.put(TOKEN_TYPE_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(new long[len]), new long[] {1, len}));
            }
            try (OrtSession.Result r = s.run(feed, Set.of(OUTPUT))) {
                long[] shape = ((OnnxTensor) r.get(0)).getInfo().getShape();
                if (shape.length != 3 || shape[0] != 1 || shape[1] != len || shape[2] <= 0) {
                    throw new EncoderInterfaceException("text encoder " + model + " does not match the interface "
                            + INTERFACE + ": for input [1, " + len + "] it returned last_hidden_state "
                            + OrtInterface.shape(shape));
                }
                return (int) shape[2];
            } catch (OrtException e) {
                throw new EncoderInterfaceException("tokenizer " + tok.location() + " does not fit text encoder " + model
                        + ": a run with token ids up to " + (tok.vocabSize() - 1) + " (tokenizer vocabulary "
                        + tok.vocabSize() + ") at length " + len + " fails: " + OrtInterface.firstLine(e)
                        + " (use the tokenizer the model was exported with, or a smaller --max-length)", e);
            }
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * Runs a batch from direct buffers (no copy) holding {@code batch × maxLength} ids, mask and
     * token type ids. With {@code out} non-null (float32 [batch, maxLength, hidden] over a direct
     * buffer), ONNX Runtime writes {@code last_hidden_state} straight into it and the returned
     * result does not own it; otherwise the result holds the output. The caller closes the result.
     */
    public OrtSession.Result run(LongBuffer ids, LongBuffer mask, LongBuffer types, int batch, FloatBuffer out)
            throws OrtException {
        long[] shape = {batch, maxLength};
        Map<String, OnnxTensor> feed = new HashMap<>(4);
        OnnxTensor pinned = null;
        try {
            feed.put(INPUT_IDS, OnnxTensor.createTensor(env, ids, shape));
            feed.put(ATTENTION_MASK, OnnxTensor.createTensor(env, mask, shape));
            if (takesTypeIds) {
                feed.put(TOKEN_TYPE_IDS, OnnxTensor.createTensor(env, types, shape));
            }
            if (out == null) {
                return session.run(feed, Set.of(OUTPUT));
            }
            pinned = OnnxTensor.createTensor(env, out, new long[] {batch, maxLength, hidden});
            Map<String, OnnxValue> outputs = Map.of(OUTPUT, pinned);
            return session.run(feed, outputs);
        } finally {
            feed.values().forEach(OnnxTensor::close);
            if (pinned != null) {
                pinned.close();
            }
        }
    }

    /** A direct little-endian buffer for {@code n} longs. */
    public static LongBuffer directLongs(int n) {
        return ByteBuffer.allocateDirect(8 * n).order(ByteOrder.nativeOrder()).asLongBuffer();
    }

    public String name() {
        return name;
    }

    /** Positions per text (the tokenizer's max length). */
    public int sequenceLength() {
        return maxLength;
    }

    public int hiddenSize() {
        return hidden;
    }

    public boolean takesTokenTypeIds() {
        return takesTypeIds;
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
