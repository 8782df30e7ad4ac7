package dev.cggm.cli;

import dev.cggm.train.method.MethodDescriptor;
import dev.cggm.train.method.Methods;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line flags for the options of every registered method, made from the methods' option
 * records ({@code rho} → {@code --rho}, {@code start_epoch} → {@code --start-epoch}), so a new
 * method's options appear on the command line without touching it. A flag shared by several
 * methods must have one type; a flag given for a method that does not have it is an error
 * naming the method's own flags.
 */
final class MethodFlags {
    /** One generated flag: its JSON option name, value type and the methods that have it. */
    private record Flag(String option, Class<?> type, List<String> methods, String doc) {
    }

    private static final Map<String, Flag> FLAGS = collect();

    private MethodFlags() {
    }

    private static Map<String, Flag> collect() {
        Map<String, Flag> flags = new LinkedHashMap<>();
        for (MethodDescriptor<?> d : Methods.all()) {
            for (MethodDescriptor.Option o : d.options("tiny")) {
                String flag = "--" + o.name().replace('_', '-');
                Class<?> type = boxed(o.type());
                Flag f = flags.get(flag);
                if (f == null) {
                    List<String> methods = new ArrayList<>();
                    methods.add(d.id());
                    flags.put(flag, new Flag(o.name(), type, methods, o.doc()));
                } else if (f.type() != type) {
                    throw new IllegalStateException("method option " + flag + " is " + f.type().getSimpleName() + " in "
                            + f.methods() + " but " + type.getSimpleName() + " in " + d.id());
                } else {
                    f.methods().add(d.id());
                }
            }
        }
        return flags;
    }

    private static Class<?> boxed(Class<?> t) {
        if (t == double.class) {
            return Double.class;
        }
        if (t == int.class) {
            return Integer.class;
        }
        if (t == long.class) {
            return Long.class;
        }
        if (t == boolean.class) {
            return Boolean.class;
        }
        return t.isEnum() ? String.class : t;
    }

    /** Adds every method flag to a command; a list option takes comma-separated values ({@code --stage-epochs 2,30}). */
    static void addTo(CommandSpec spec) {
        FLAGS.forEach((flag, f) -> {
            boolean list = List.class.isAssignableFrom(f.type());
            OptionSpec.Builder b = OptionSpec.builder(flag).type(f.type()).arity("1")
                    .paramLabel(f.type() == Boolean.class ? "true|false" : f.type() == String.class ? "VALUE" : list ? "X,..." : "X")
                    .description(f.doc() + " (method" + (f.methods().size() > 1 ? "s " : " ") + String.join(", ", f.methods()) + ")");
            if (list) {
                b.splitRegex(",");
            }
            spec.addOption(b.build());
        });
    }

    /**
     * The method flags given on a command line as configuration paths ({@code method.rho} → 1.5);
     * a flag of another method is an error naming {@code method}'s flags.
     */
    static Map<String, Object> values(CommandSpec spec, String method) {
        String id;
        try {
            id = Methods.resolve(method).method();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--modulation: " + e.getMessage(), e);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        FLAGS.forEach((flag, f) -> {
            OptionSpec o = spec.findOption(flag);
            Object v = o == null ? null : o.getValue();
            if (v == null) {
                return;
            }
            if (!f.methods().contains(id)) {
                List<String> own = FLAGS.entrySet().stream().filter(e -> e.getValue().methods().contains(id))
                        .map(Map.Entry::getKey).toList();
                throw new IllegalArgumentException(flag + " is an option of " + String.join(", ", f.methods())
                        + ", not of method '" + id + "'" + (own.isEmpty() ? " (it has no options)" : " (its options: "
                        + String.join(" ", own) + ")"));
            }
            out.put("method." + f.option(), v);
        });
        return out;
    }

    /** The flag of a configuration path {@code method.<option>}. */
    static String flagOf(String option) {
        return "--" + option.replace('_', '-');
    }
}
