package dev.cggm.features.pipeline;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.cggm.features.encoders.ImageEncoder;
import dev.cggm.features.encoders.TextEncoder;
import dev.cggm.features.store.FeatureSchema;
import dev.cggm.features.store.FeatureVectors;
import dev.cggm.features.store.ShardWriter;
import dev.cggm.features.tokenize.Tokens;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Runs both encoders on a batch of prepared samples and writes the result as one Arrow record
 * batch. Input tensors wrap direct buffers reused across batches (no copy into ONNX Runtime);
 * float32 full-sequence outputs are written by ONNX Runtime straight into Arrow memory. Used by
 * one thread.
 */
final class BatchEncoder {
    private final TextEncoder text;
    private final ImageEncoder image;
    private final FeatureColumn textColumn;
    private final FeatureColumn imageColumn;
    private final LongBuffer ids;
    private final LongBuffer mask;
    private final LongBuffer types;
    private final FloatBuffer pixels;
    private final int maxLength;
    private final int pixelCount;

    BatchEncoder(TextEncoder text, ImageEncoder image, FeatureColumn textColumn, FeatureColumn imageColumn,
                 int maxBatch) {
        this.text = text;
        this.image = image;
        this.textColumn = textColumn;
        this.imageColumn = imageColumn;
        this.maxLength = text.sequenceLength();
        this.pixelCount = 3 * image.preprocessing().height() * image.preprocessing().width();
        this.ids = TextEncoder.directLongs(maxBatch * maxLength);
        this.mask = TextEncoder.directLongs(maxBatch * maxLength);
        this.types = TextEncoder.directLongs(maxBatch * maxLength);
        this.pixels = ByteBuffer.allocateDirect(4 * maxBatch * pixelCount).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** Encodes {@code batch} (all good samples) and appends it to {@code writer} as one record batch. */
    void encodeInto(List<Prepared> batch, ShardWriter writer) throws OrtException, IOException {
        int n = batch.size();
        loadInputs(batch);
        writer.allocate(n);
        VectorSchemaRoot root = writer.root();
        VarCharVector idVec = (VarCharVector) root.getVector(FeatureSchema.ID);
        BigIntVector labelVec = (BigIntVector) root.getVector(FeatureSchema.LABEL);
        IntVector textLen = (IntVector) root.getVector(textColumn.name + FeatureSchema.LENGTH_SUFFIX);
        IntVector imageLen = (IntVector) root.getVector(imageColumn.name + FeatureSchema.LENGTH_SUFFIX);
        int[] lengths = new int[n];
        int[] imageLengths = new int[n];
        for (int i = 0; i < n; i++) {
            Prepared p = batch.get(i);
            idVec.setSafe(i, p.id().getBytes(StandardCharsets.UTF_8));
            labelVec.set(i, p.label());
            lengths[i] = p.tokens().length();
            textLen.set(i, lengths[i]);
            imageLengths[i] = imageColumn.seqLen;
            imageLen.set(i, imageLengths[i]);
        }
        FixedSizeListVector tv = (FixedSizeListVector) root.getVector(textColumn.name);
        FixedSizeListVector iv = (FixedSizeListVector) root.getVector(imageColumn.name);
        runText(n, tv, lengths);
        runImage(n, iv, imageLengths);
        FeatureVectors.markValid(tv, n);
        FeatureVectors.markValid(iv, n);
        writer.writeBatch(n);
    }

    private void runText(int n, FixedSizeListVector target, int[] lengths) throws OrtException {
        if (textColumn.writesDirectly()) {
            text.run(ids, mask, types, n, textColumn.directTarget(target, n)).close();
            return;
        }
        try (OrtSession.Result r = text.run(ids, mask, types, n, null)) {
            textColumn.fill(target, ((OnnxTensor) r.get(0)).getFloatBuffer(), n, lengths);
        }
    }

    private void runImage(int n, FixedSizeListVector target, int[] lengths) throws OrtException {
        if (imageColumn.writesDirectly()) {
            image.run(pixels, n, imageColumn.directTarget(target, n)).close();
            return;
        }
        try (OrtSession.Result r = image.run(pixels, n, null)) {
            imageColumn.fill(target, ((OnnxTensor) r.get(0)).getFloatBuffer(), n, lengths);
        }
    }

    /** Copies the batch's token ids and pixels into the direct input buffers (positions reset to 0). */
    void loadInputs(List<Prepared> batch) {
        ids.clear();
        mask.clear();
        types.clear();
        pixels.clear();
        for (Prepared p : batch) {
            Tokens t = p.tokens();
            ids.put(t.ids());
            mask.put(t.attentionMask());
            types.put(t.typeIds());
            pixels.put(p.pixels());
        }
        int n = batch.size();
        ids.flip();
        mask.flip();
        types.flip();
        pixels.flip();
        assert ids.remaining() == n * maxLength && pixels.remaining() == n * pixelCount;
    }

    /** Runs both sessions on the loaded inputs and discards the outputs (the benchmark's bare loop). */
    void runSessionsOnly(int n) throws OrtException {
        text.run(ids, mask, types, n, null).close();
        image.run(pixels, n, null).close();
    }
}
