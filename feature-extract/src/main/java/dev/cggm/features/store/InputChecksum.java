package dev.cggm.features.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** The provenance checksum of a store: SHA-256 over the bytes of its input files, in order. */
public final class InputChecksum {
    private InputChecksum() {
    }

    /** Hex SHA-256 of the concatenated contents of {@code files}. */
    public static String of(List<Path> files) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (Path f : files) {
            try (InputStream in = new DigestInputStream(Files.newInputStream(f), md)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
