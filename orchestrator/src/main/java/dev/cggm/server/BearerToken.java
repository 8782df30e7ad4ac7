package dev.cggm.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.Set;

/**
 * The shared secret clients present as {@code authorization: Bearer <token>}. Read once at start
 * from the token file, which must hold one token of at least {@value #MIN_LENGTH} printable
 * characters without spaces (surrounding whitespace and the final newline are ignored) and must
 * be readable and writable by its owner only (no group or other permission): the server refuses to
 * start otherwise, as ssh refuses a private key with open permissions ({@code chmod 600 FILE}; in
 * Kubernetes, mount the secret with {@code defaultMode: 0400}).
 */
final class BearerToken {
    static final int MIN_LENGTH = 16;

    private final byte[] token;

    private BearerToken(byte[] token) {
        this.token = token;
    }

    static BearerToken read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "token file not found (--token-file)");
        }
        PosixFileAttributeView posix = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (posix != null) {
            Set<PosixFilePermission> perms = posix.readAttributes().permissions();
            Set<PosixFilePermission> open = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                    PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
            open.retainAll(perms);
            if (!open.isEmpty()) {
                throw new IOException("token file " + file + " is accessible by users other than its owner ("
                        + PosixFilePermissions.toString(perms) + "); restrict it with chmod 600 " + file);
            }
        }
        String t = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (t.isEmpty()) {
            throw new IOException("token file " + file + " is empty; write a random token into it, e.g. "
                    + "openssl rand -hex 32 > " + file);
        }
        if (t.length() < MIN_LENGTH || !t.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IOException("token file " + file + " must hold one token of at least " + MIN_LENGTH
                    + " printable ASCII characters without spaces, e.g. from openssl rand -hex 32");
        }
        return new BearerToken(t.getBytes(StandardCharsets.US_ASCII));
    }

    /** Whether {@code presented} is the token, in time independent of where they differ. */
    boolean matches(String presented) {
        return MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
    }
}
