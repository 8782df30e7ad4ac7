package dev.cggm.features.encoders;

import dev.cggm.features.pypi.PypiWheel;

import java.nio.file.Path;
import java.util.List;

/**
 * Natural photos for tests: scikit-image's sample data (BSD/CC0; {@code skimage/data/}), taken
 * from its pinned wheel (a manylinux CPython 3.11 build, named by platform so the file and its
 * checksum are the same on every machine) through the project's own wheel cache. Nothing of
 * scikit-image is installed.
 */
public final class SamplePhotos {
    public static final PypiWheel SCIKIT_IMAGE = new PypiWheel("scikit-image", "0.26.0",
            "74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af",
            List.of("--platform", "manylinux_2_28_x86_64", "--python-version", "3.11", "--implementation", "cp",
                    "--abi", "cp311"));
    /** Chelsea the cat (a tabby) and a cup of coffee (espresso). */
    public static final List<String> PHOTOS = List.of("skimage/data/chelsea.png", "skimage/data/coffee.png");

    private SamplePhotos() {
    }

    /** The directory holding {@code skimage/data/…} for {@link #PHOTOS}. */
    public static Path root() {
        return SCIKIT_IMAGE.files(PypiWheel.defaultCache(), PHOTOS);
    }
}
