package dev.cggm.features.pipeline;

import ai.onnxruntime.OrtException;
import dev.cggm.features.BadSampleException;
import dev.cggm.features.datasets.Dataset;
import dev.cggm.features.datasets.Sample;
import dev.cggm.features.datasets.SampleStream;
import dev.cggm.features.encoders.ImageEncoder;
import dev.cggm.features.encoders.TextEncoder;
import dev.cggm.features.images.ImagePreprocessor;
import dev.cggm.features.store.Pooling;
import dev.cggm.features.store.Precision;
import dev.cggm.features.tokenize.TextTokenizer;
import dev.cggm.onnx.runtime.DeviceSessions;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The baseline of the extraction benchmark: the same two sessions run over inputs that were
 * decoded and tokenized beforehand and held in memory — no reading, no preprocessing, no Arrow,
 * no files. Pipeline time over this time is the pipeline's overhead.
 */
public final class SessionLoop {
    private SessionLoop() {
    }

    /** Samples per second of a bare session loop over the first {@code n} samples of {@code split}. */
    public static double samplesPerSecond(ExtractionOptions o, String split, int n, int warmupBatches)
            throws IOException, OrtException {
        DeviceSessions devices = new DeviceSessions(o.device(), o.threads(), dev.cggm.onnx.runtime.CudaProvider.onnxRuntime(),
                line -> { }).spinning(false);
        try (TextTokenizer tokenizer = TextTokenizer.load(o.text().tokenizer(), o.maxLength());
             TextEncoder text = TextEncoder.open(o.text(), tokenizer, devices);
             ImageEncoder image = ImageEncoder.open(o.image(), o.imagePreprocessing(), devices)) {
            List<Prepared> inputs = prepare(o.dataset(), split, n, tokenizer, new ImagePreprocessor(image.preprocessing()),
                    o.dataset().labelNames());
            BatchEncoder encoder = new BatchEncoder(text, image,
                    new FeatureColumn("text", text.sequenceLength(), text.hiddenSize(), Pooling.NONE, Precision.FLOAT32),
                    new FeatureColumn("image", image.sequenceLength(), image.hiddenSize(), Pooling.NONE, Precision.FLOAT32),
                    o.batchSize());
            for (int w = 0; w < warmupBatches; w++) {
                List<Prepared> b = inputs.subList(0, Math.min(o.batchSize(), inputs.size()));
                encoder.loadInputs(b);
                encoder.runSessionsOnly(b.size());
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < inputs.size(); i += o.batchSize()) {
                List<Prepared> b = inputs.subList(i, Math.min(inputs.size(), i + o.batchSize()));
                encoder.loadInputs(b);
                encoder.runSessionsOnly(b.size());
            }
            return inputs.size() / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static List<Prepared> prepare(Dataset ds, String split, int n, TextTokenizer tok, ImagePreprocessor pre,
                                          List<String> labels) throws IOException {
        SamplePreparer preparer = new SamplePreparer(labels, tok, pre, ds.indexFile(split));
        List<Prepared> out = new ArrayList<>(n);
        try (SampleStream s = ds.open(split)) {
            while (s.hasNext() && out.size() < n) {
                Sample sample = s.next();
                Prepared p = preparer.prepare(sample);
                if (p.isBad()) {
                    BadSampleException e = p.error();
                    throw new IllegalStateException("benchmark dataset has a bad sample: " + e.getMessage(), e);
                }
                out.add(p);
            }
        }
        return out;
    }
}
