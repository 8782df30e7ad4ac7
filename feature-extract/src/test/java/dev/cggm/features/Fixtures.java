package dev.cggm.features;

import dev.cggm.features.datasets.Dataset;
import dev.cggm.features.datasets.DemoDataset;
import dev.cggm.features.datasets.JsonlDataset;
import dev.cggm.features.encoders.Encoders;
import dev.cggm.features.encoders.ImageEncoderSpec;
import dev.cggm.features.pipeline.ExtractionOptions;
import dev.cggm.features.store.Pooling;
import dev.cggm.features.store.Precision;
import dev.cggm.onnx.runtime.ExecutionDevice;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Small real datasets and default options for tests. */
public final class Fixtures {
    private Fixtures() {
    }

    /** A small demo dataset (20 / 6 / 6 samples) in {@code dir}. */
    public static Dataset smallDemo(Path dir) throws IOException {
        return JsonlDataset.open(DemoDataset.prepare(dir, new DemoDataset.Spec(20, 6, 6, 3)));
    }

    /** Default encoders on CPU, 2 threads, small batches and shards so that batches and shards are cut. */
    public static ExtractionOptions options(Dataset ds) {
        return options(ds, Pooling.NONE, Pooling.NONE, Precision.FLOAT32, false);
    }

    public static ExtractionOptions options(Dataset ds, Pooling text, Pooling image, Precision precision, boolean strict) {
        ImageEncoderSpec img = Encoders.image(Encoders.DEFAULT_UNTRAINED_IMAGE, null);
        return new ExtractionOptions(ds, Encoders.text(Encoders.DEFAULT_TEXT, null), img, img.preprocessing(), 16,
                ExecutionDevice.CPU, 2, 2, 5, 8, text, image, precision, strict, List.of(), 0);
    }
}
