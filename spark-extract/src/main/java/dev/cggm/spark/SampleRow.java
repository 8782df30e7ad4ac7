package dev.cggm.spark;

import dev.cggm.features.datasets.Sample;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * A dataset entry as sent to an executor: {@link Sample} with its image as a path string (the
 * image is read where the task runs, so it must be on a file system the executors mount).
 */
record SampleRow(long position, String id, String text, String image, String label, String problem)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    static SampleRow of(Sample s) {
        return new SampleRow(s.position(), s.id(), s.text(), s.image() == null ? null : s.image().toString(), s.label(),
                s.problem());
    }

    Sample toSample() {
        return new Sample(position, id, text, image == null ? null : Path.of(image), label, problem);
    }
}
