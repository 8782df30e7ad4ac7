package dev.cggm.train.config;

import java.util.Arrays;
import java.util.Locale;

/** Enums of options: written lower-case with '-' in JSON and on the command line. */
public final class Choice {
    private Choice() {
    }

    /** The option form of an enum constant ({@code ADAMW} → {@code adamw}, {@code STEP_LR} → {@code step-lr}). */
    public static String id(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The constant whose option form is {@code id} (case-insensitive), or an error listing the choices. */
    public static <E extends Enum<E>> E parse(Class<E> type, String field, String id) {
        for (E e : type.getEnumConstants()) {
            if (id(e).equalsIgnoreCase(id.trim().replace('_', '-'))) {
                return e;
            }
        }
        throw new InvalidOption(field, "must be one of " + String.join(", ",
                Arrays.stream(type.getEnumConstants()).map(Choice::id).toList()) + ", got '" + id + "'");
    }
}
