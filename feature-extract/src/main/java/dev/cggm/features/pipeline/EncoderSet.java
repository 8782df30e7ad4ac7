package dev.cggm.features.pipeline;

import ai.onnxruntime.OrtException;
import dev.cggm.features.encoders.ImageEncoder;
import dev.cggm.features.encoders.ImageEncoderSpec;
import dev.cggm.features.encoders.TextEncoder;
import dev.cggm.features.encoders.TextEncoderSpec;
import dev.cggm.features.images.ImagePreprocessor;
import dev.cggm.features.images.PreprocessorConfig;
import dev.cggm.features.store.FeatureSchema;
import dev.cggm.features.store.Pooling;
import dev.cggm.features.store.Precision;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.features.store.StoreManifest.ModalityInfo;
import dev.cggm.features.tokenize.TextTokenizer;
import dev.cggm.onnx.runtime.DeviceSessions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The tokenizer and the text and image encoder sessions of one extraction, with the feature
 * columns they produce and how the manifest describes them. The sessions may be run from several
 * threads at once (ONNX Runtime sessions are thread-safe; each thread brings its own
 * {@link #batchEncoder} with its own input buffers), so one set can serve every task of a Spark
 * executor. Closing closes everything it opened.
 */
public final class EncoderSet implements AutoCloseable {
    private final TextEncoderSpec textSpec;
    private final ImageEncoderSpec imageSpec;
    private final int maxLength;
    private final TextTokenizer tokenizer;
    private final TextEncoder text;
    private final ImageEncoder image;
    private final FeatureColumn textColumn;
    private final FeatureColumn imageColumn;
    private final DeviceSessions devices;

    private EncoderSet(TextEncoderSpec textSpec, ImageEncoderSpec imageSpec, int maxLength, TextTokenizer tokenizer,
                       TextEncoder text, ImageEncoder image, Pooling textPooling, Pooling imagePooling,
                       Precision precision, DeviceSessions devices) {
        this.textSpec = textSpec;
        this.imageSpec = imageSpec;
        this.maxLength = maxLength;
        this.tokenizer = tokenizer;
        this.text = text;
        this.image = image;
        this.devices = devices;
        this.textColumn = new FeatureColumn("text", text.sequenceLength(), text.hiddenSize(), textPooling, precision);
        this.imageColumn = new FeatureColumn("image", image.sequenceLength(), image.hiddenSize(), imagePooling, precision);
    }

    /** Opens the encoders of {@code o} on the device of {@code devices} (closing what it opened if one fails). */
    public static EncoderSet open(ExtractionOptions o, DeviceSessions devices) throws OrtException {
        return open(o.text(), o.image(), o.imagePreprocessing(), o.maxLength(), o.textPooling(), o.imagePooling(),
                o.precision(), devices);
    }

    /**
     * Opens the encoders on the device of {@code devices} (closing what it opened if one fails).
     *
     * @param maxLength tokens per text (pad/truncate)
     */
    public static EncoderSet open(TextEncoderSpec textSpec, ImageEncoderSpec imageSpec, PreprocessorConfig preprocessing,
                                  int maxLength, Pooling textPooling, Pooling imagePooling, Precision precision,
                                  DeviceSessions devices) throws OrtException {
        TextTokenizer tokenizer = TextTokenizer.load(textSpec.tokenizer(), maxLength);
        TextEncoder text = null;
        try {
            text = TextEncoder.open(textSpec, tokenizer, devices);
            ImageEncoder image = ImageEncoder.open(imageSpec, preprocessing, devices);
            return new EncoderSet(textSpec, imageSpec, maxLength, tokenizer, text, image, textPooling, imagePooling,
                    precision, devices);
        } catch (OrtException | RuntimeException e) {
            if (text != null) {
                closeQuietly(text, e);
            }
            tokenizer.close();
            throw e;
        }
    }

    /** The device the sessions run on. */
    public String device() {
        return String.valueOf(devices.resolved());
    }

    TextTokenizer tokenizer() {
        return tokenizer;
    }

    /** A batch encoder (own input buffers) for one thread. */
    BatchEncoder batchEncoder(int batchSize) {
        return new BatchEncoder(text, image, textColumn, imageColumn, batchSize);
    }

    /** A sample preparer (label → index, tokenize, decode + preprocess the image). */
    SamplePreparer preparer(List<String> labels, Path indexFile) {
        return new SamplePreparer(labels, tokenizer, new ImagePreprocessor(image.preprocessing()), indexFile);
    }

    /** How the manifest describes the two feature columns (text, then image). */
    public List<ModalityInfo> modalities() {
        return List.of(textInfo(textColumn), imageInfo(imageColumn, image.preprocessing()));
    }

    private ModalityInfo textInfo(FeatureColumn c) {
        return new ModalityInfo(c.name, textSpec.name(), textSpec.model().location(), textSpec.model().sha256(), true,
                new StoreManifest.FileInfo(textSpec.tokenizer().location(), textSpec.tokenizer().sha256()),
                maxLength, null, shape(c), List.of(c.seqLen, c.hidden), c.pooling.id(),
                c.name + FeatureSchema.LENGTH_SUFFIX, null);
    }

    private ModalityInfo imageInfo(FeatureColumn c, PreprocessorConfig p) {
        List<Float> mean = new ArrayList<>();
        List<Float> std = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            mean.add(p.mean()[i]);
            std.add(p.std()[i]);
        }
        return new ModalityInfo(c.name, imageSpec.name(), imageSpec.model().location(), imageSpec.model().sha256(),
                imageSpec.pretrained(), null, null,
                new StoreManifest.PreprocessingInfo(p.height(), p.width(), p.rescaleFactor(), mean, std, "bilinear",
                        p.centerCrop() ? p.shortestEdge() : null),
                shape(c), List.of(c.seqLen, c.hidden), c.pooling.id(), c.name + FeatureSchema.LENGTH_SUFFIX, null);
    }

    private static List<Integer> shape(FeatureColumn c) {
        return c.pooling == Pooling.NONE ? List.of(c.seqLen, c.hidden) : List.of(c.hidden);
    }

    @Override
    public void close() throws OrtException {
        try (TextTokenizer t = tokenizer; TextEncoder x = text; ImageEncoder i = image) {
            // closed in reverse order by try-with-resources
        }
    }

    private static void closeQuietly(AutoCloseable c, Throwable failure) {
        try {
            c.close();
        } catch (Exception suppressed) {
            failure.addSuppressed(suppressed);
        }
    }
}
