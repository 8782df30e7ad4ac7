package dev.cggm.features.imports;

import dev.cggm.features.FeatureException;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Numeric datasets of an HDF5 file (jHDF, pure Java) by path, as float32 values with their
 * dimensions. Closing releases the file.
 */
final class Hdf5Arrays implements AutoCloseable {
    /** A dataset's values (C order) and dimensions. */
    record Values(float[] data, int[] dims) {
    }

    private final Path file;
    private final HdfFile hdf;

    private Hdf5Arrays(Path file, HdfFile hdf) {
        this.file = file;
        this.hdf = hdf;
    }

    static Hdf5Arrays open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new FeatureException(file + " not found");
        }
        try {
            return new Hdf5Arrays(file, new HdfFile(file));
        } catch (RuntimeException e) {
            throw new FeatureException(file + " is not a readable HDF5 file (" + e.getMessage()
                    + "); it may be truncated or corrupt", e);
        }
    }

    Path file() {
        return file;
    }

    /** The dataset at {@code path}, or null when there is none. */
    Values get(String path) {
        Node node;
        try {
            node = hdf.getByPath(path);
        } catch (RuntimeException e) {
            return null; // jHDF signals a missing path with an exception
        }
        if (!(node instanceof Dataset d)) {
            return null;
        }
        return values(d, path);
    }

    /** Whether {@code path} names a group. */
    boolean isGroup(String path) {
        try {
            return hdf.getByPath(path) instanceof Group;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private Values values(Dataset d, String path) {
        Object flat;
        try {
            flat = d.getDataFlat();
        } catch (RuntimeException e) {
            throw new FeatureException(file + ": cannot read dataset '" + path + "' (" + e.getMessage()
                    + "); the file may be truncated or corrupt", e);
        }
        float[] out;
        if (flat instanceof float[] f) {
            out = f;
        } else if (flat instanceof double[] x) {
            out = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                out[i] = (float) x[i];
            }
        } else if (flat instanceof int[] x) {
            out = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                out[i] = x[i];
            }
        } else if (flat instanceof long[] x) {
            out = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                out[i] = x[i];
            }
        } else {
            throw new FeatureException(file + ": dataset '" + path + "' holds " + d.getJavaType().getSimpleName()
                    + ", not numbers");
        }
        return new Values(out, d.getDimensions());
    }

    @Override
    public void close() {
        hdf.close();
    }
}
