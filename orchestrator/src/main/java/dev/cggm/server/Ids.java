package dev.cggm.server;

import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * Resource ids: lowercase letters, digits and '-', 1–63 characters, starting with a letter or
 * digit and not ending with '-' — safe as directory names and in URLs. Generated ids read as
 * their creation time in UTC plus a random suffix: {@code run-20250101-120000-k3x9q2}.
 */
final class Ids {
    private static final Pattern VALID = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    static String generate(String prefix) {
        StringBuilder s = new StringBuilder(prefix).append('-').append(TIME.format(ZonedDateTime.now(ZoneOffset.UTC)))
                .append('-');
        for (int i = 0; i < 6; i++) {
            s.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        return s.toString();
    }

    /** {@code id} if valid; INVALID_ARGUMENT naming {@code field} otherwise. */
    static String check(String field, String id) {
        if (!VALID.matcher(id).matches()) {
            throw ApiErrors.invalid(field, "'" + (id.length() > 80 ? id.substring(0, 80) + "…" : id) + "' is not a valid "
                    + "id: 1-63 lowercase letters, digits and '-', starting with a letter or digit, not ending with '-'");
        }
        return id;
    }
}
