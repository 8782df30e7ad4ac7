package dev.cggm.features.encoders;

import dev.cggm.features.FeatureException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Supplier;

/**
 * Where a model or tokenizer file comes from: a file, a class-path resource (a pretrained model
 * shipped in a Maven artifact) or bytes built in memory. Read once per use; {@link #sha256()}
 * identifies the content in the store manifest.
 */
public final class ModelSource {
    private final String location;
    private final Supplier<byte[]> reader;
    private volatile String sha256;

    private ModelSource(String location, Supplier<byte[]> reader) {
        this.location = location;
        this.reader = reader;
    }

    /** A file on disk; it must exist. */
    public static ModelSource file(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(abs)) {
            throw new FeatureException("file not found: " + abs);
        }
        return new ModelSource(abs.toString(), () -> {
            try {
                return Files.readAllBytes(abs);
            } catch (NoSuchFileException e) {
                throw new FeatureException("file not found: " + abs, e);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + abs + ": " + e.getMessage(), e);
            }
        });
    }

    /** A resource on the class path, e.g. a model inside a Maven artifact. */
    public static ModelSource resource(String name, String artifact) {
        String location = "classpath:" + name + " (" + artifact + ")";
        ClassLoader cl = ModelSource.class.getClassLoader();
        if (cl.getResource(name) == null) {
            throw new FeatureException("resource " + name + " not on the class path; it ships in " + artifact);
        }
        return new ModelSource(location, () -> {
            try (InputStream in = cl.getResourceAsStream(name)) {
                if (in == null) {
                    throw new FeatureException("resource " + name + " not on the class path; it ships in " + artifact);
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + location + ": " + e.getMessage(), e);
            }
        });
    }

    /** Bytes made in memory (e.g. a model built by onnx-models). */
    public static ModelSource bytes(String location, byte[] content) {
        byte[] copy = content.clone();
        return new ModelSource(location, copy::clone);
    }

    /**
     * Bytes made in memory on first use (e.g. a model converted from downloaded weights), kept
     * for later uses; {@code builder} runs at most once successfully and its failure reaches the
     * reader.
     */
    public static ModelSource built(String location, Supplier<byte[]> builder) {
        byte[][] made = new byte[1][];
        return new ModelSource(location, () -> {
            synchronized (made) {
                if (made[0] == null) {
                    made[0] = builder.get();
                }
                return made[0].clone();
            }
        });
    }

    /** Human-readable origin: a path, {@code classpath:…} or a description. */
    public String location() {
        return location;
    }

    /** The content (read each call). */
    public byte[] read() {
        byte[] b = reader.get();
        if (sha256 == null) {
            sha256 = digest(b);
        }
        return b;
    }

    /** SHA-256 of the content, hex. */
    public String sha256() {
        String s = sha256;
        if (s == null) {
            s = digest(reader.get());
            sha256 = s;
        }
        return s;
    }

    /** SHA-256 of a file's content, hex, read in a stream. */
    public static String sha256(Path file) throws IOException {
        try (InputStream in = new java.security.DigestInputStream(Files.newInputStream(file),
                MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((java.security.DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String digest(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return location;
    }
}
