package dev.cggm.features.pipeline;

import dev.cggm.features.BadSampleException;
import dev.cggm.features.datasets.Sample;
import dev.cggm.features.images.ImageDecoder;
import dev.cggm.features.images.ImagePreprocessor;
import dev.cggm.features.tokenize.TextTokenizer;
import dev.cggm.features.tokenize.Tokens;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks one sample and turns it into encoder inputs: label → index, text → token ids, image →
 * pixel values. Runs on worker threads (stateless apart from shared immutable helpers).
 */
final class SamplePreparer {
    private final Map<String, Integer> labelIndex = new HashMap<>();
    private final List<String> labels;
    private final TextTokenizer tokenizer;
    private final ImageDecoder decoder = new ImageDecoder();
    private final ImagePreprocessor preprocessor;
    private final Path indexFile;

    /** @param indexFile the file listing the samples (named in messages about an entry's fields) */
    SamplePreparer(List<String> labels, TextTokenizer tokenizer, ImagePreprocessor preprocessor, Path indexFile) {
        this.labels = labels;
        for (int i = 0; i < labels.size(); i++) {
            labelIndex.put(labels.get(i), i);
        }
        this.tokenizer = tokenizer;
        this.preprocessor = preprocessor;
        this.indexFile = indexFile;
    }

    Prepared prepare(Sample s) {
        try {
            String id = s.displayId();
            if (s.problem() != null) {
                throw new BadSampleException(id, indexFile, s.problem());
            }
            if (s.label() == null || s.label().isBlank()) {
                throw new BadSampleException(id, indexFile, "no label");
            }
            Integer label = labelIndex.get(s.label());
            if (label == null) {
                throw new BadSampleException(id, indexFile, "unknown label '" + s.label() + "' (" + labels.size()
                        + " known labels, e.g. " + labels.subList(0, Math.min(3, labels.size())) + ")");
            }
            if (s.text() == null || s.text().isBlank()) {
                throw new BadSampleException(id, indexFile, "empty text");
            }
            if (s.image() == null) {
                throw new BadSampleException(id, indexFile, "no image");
            }
            float[] pixels = preprocessor.toPixels(decoder.decode(id, s.image()));
            Tokens tokens = tokenizer.encode(s.text());
            return Prepared.ok(s.position(), id, label, tokens, pixels);
        } catch (BadSampleException e) {
            return Prepared.bad(s.position(), e);
        } catch (RuntimeException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return Prepared.bad(s.position(), new BadSampleException(s.displayId(), s.image(),
                    "cannot prepare sample: " + msg, e));
        }
    }
}
