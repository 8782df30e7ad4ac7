package dev.cggm.spark;

import dev.cggm.onnx.graph.DType;
import dev.cggm.onnx.graph.Dim;
import dev.cggm.onnx.graph.GraphBuilder;
import dev.cggm.onnx.graph.OnnxModels;
import dev.cggm.onnx.graph.Tensors;
import dev.cggm.onnx.graph.Value;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A small float32 text encoder with the HuggingFace export interface (input_ids, attention_mask →
 * last_hidden_state), seeded weights, written as an Optimum-style directory ({@code model.onnx} +
 * the bundled MiniLM {@code tokenizer.json}): an embedding lookup, a dense layer and tanh, masked.
 * Its features do not depend on the batch (no quantization), unlike the bundled encoders.
 */
final class FloatTextEncoder {
    static final int VOCAB = 30522;
    static final int HIDDEN = 24;

    private FloatTextEncoder() {
    }

    /** Writes the encoder into {@code dir} and returns it (pass it as --text-encoder). */
    static Path write(Path dir) throws IOException {
        SplittableRandom rnd = new SplittableRandom(11);
        float[] table = new float[VOCAB * HIDDEN];
        for (int i = 0; i < table.length; i++) {
            table[i] = (float) rnd.nextGaussian();
        }
        float[] w = new float[HIDDEN * HIDDEN];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rnd.nextGaussian() / Math.sqrt(HIDDEN));
        }
        GraphBuilder b = new GraphBuilder("float-text-encoder");
        Value ids = b.input("input_ids", DType.INT64, Dim.sym("batch"), Dim.sym("sequence"));
        Value mask = b.input("attention_mask", DType.INT64, Dim.sym("batch"), Dim.sym("sequence"));
        Value emb = b.gather(b.constant(Tensors.floats("embeddings", new long[] {VOCAB, HIDDEN}, table)), ids, 0);
        Value h = b.tanh(b.matMul(emb, b.constant(Tensors.floats("dense", new long[] {HIDDEN, HIDDEN}, w))));
        b.output(b.mul(h, b.unsqueeze(b.cast(mask, DType.FLOAT), 2)), "last_hidden_state");
        Files.createDirectories(dir);
        Files.write(dir.resolve("model.onnx"), OnnxModels.toBytes(b.graph()));
        try (InputStream in = FloatTextEncoder.class.getClassLoader()
                .getResourceAsStream("all-minilm-l6-v2-q-tokenizer.json")) {
            Files.copy(in, dir.resolve("tokenizer.json"));
        }
        return dir;
    }
}
