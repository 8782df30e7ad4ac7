package dev.cggm.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cggm.train.config.InvalidOption;
import dev.cggm.train.method.MethodDescriptor;
import dev.cggm.train.method.Methods;
import dev.cggm.train.run.Json;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Builds and changes {@link TrainConfig}s from options given by path, the one way the command
 * line, the gRPC API and tests make a configuration: the preset's recipe, the method's defaults
 * for the preset (and a variant's options, e.g. {@code cggm-guarded}), then the given options.
 * Every value is validated by the option records themselves; an unknown path, a value of the
 * wrong type or out of range is an {@link InvalidOption} naming the path.
 */
public final class TrainConfigs {
    private TrainConfigs() {
    }

    /**
     * @param method  a method id or variant name ({@code joint}, {@code cggm}, {@code cggm-guarded}, …)
     * @param options option values by path ({@code optimizer.lr} → 0.01, {@code method.rho} → 1.5, …)
     */
    public static TrainConfig resolve(String preset, String features, String method, Map<String, Object> options) {
        Methods.Variant variant;
        try {
            variant = Methods.resolve(method);
        } catch (IllegalArgumentException e) {
            throw new InvalidOption("method", e.getMessage());
        }
        MethodDescriptor<?> d = Methods.get(variant.method());
        TrainConfig base = Recipes.defaults(preset, features, d);
        Map<String, Object> all = new LinkedHashMap<>();
        variant.options().forEach((k, v) -> all.put("method." + k, v));
        all.putAll(options);
        return apply(base, all);
    }

    /** {@code base} with some options changed by path, validated. */
    public static TrainConfig apply(TrainConfig base, Map<String, Object> changes) {
        ObjectNode tree = Json.FILES.valueToTree(base);
        for (var e : changes.entrySet()) {
            set(tree, e.getKey(), e.getValue());
        }
        return fromTree(tree);
    }

    /** Reads a run's {@code config.json} (also the flat form runs were written in before methods were typed). */
    public static TrainConfig read(Path file) throws IOException {
        JsonNode tree = Json.FILES.readTree(file.toFile());
        if (tree.has("modulation")) {
            tree = LegacyConfig.upgrade(tree);
        }
        try {
            return fromTree(tree);
        } catch (InvalidOption e) {
            throw new IOException(file + " is not a valid run configuration: " + e.getMessage(), e);
        }
    }

    private static void set(ObjectNode tree, String path, Object value) {
        String[] parts = path.split("\\.");
        ObjectNode node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (!(child instanceof ObjectNode o)) {
                throw unknown(tree, path);
            }
            node = o;
        }
        String leaf = parts[parts.length - 1];
        if (!node.has(leaf) || leaf.equals("id")) {
            throw unknown(tree, path);
        }
        node.set(leaf, Json.FILES.valueToTree(value));
    }

    private static InvalidOption unknown(ObjectNode tree, String path) {
        String section = path.contains(".") ? path.substring(0, path.lastIndexOf('.')) : "";
        JsonNode node = section.isEmpty() ? tree : tree.at("/" + section.replace('.', '/'));
        String known = node.isObject() ? iterable(node).stream().filter(n -> !n.equals("id")).collect(Collectors.joining(", ")) : "";
        String what = section.equals("method") ? "method '" + tree.path("method").path("id").asText() + "'" : "the configuration";
        return new InvalidOption(path, "is not an option of " + what + (known.isEmpty() ? "" : " (its options: " + known + ")"));
    }

    private static java.util.List<String> iterable(JsonNode node) {
        java.util.List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static TrainConfig fromTree(JsonNode tree) {
        try {
            return Json.FILES.treeToValue(tree, TrainConfig.class);
        } catch (JsonMappingException e) {
            throw translate(e);
        } catch (JsonProcessingException e) {
            throw new InvalidOption("", e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
            throw e instanceof InvalidOption io ? io : new InvalidOption("", e.getMessage());
        }
    }

    /** A Jackson failure as the option it concerns: its JSON path, and the option record's own message. */
    private static InvalidOption translate(JsonMappingException e) {
        String path = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
        Throwable cause = e;
        while (cause.getCause() != null && !(cause instanceof InvalidOption)) {
            cause = cause.getCause();
        }
        if (cause instanceof InvalidOption io) {
            return io.under(path);
        }
        if (e instanceof InvalidFormatException f) {
            return new InvalidOption(path, "cannot read " + describe(f.getValue()) + " as " + typeName(f.getTargetType()));
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return new InvalidOption(path, "must be " + typeName(m.getTargetType()));
        }
        if (cause instanceof IllegalArgumentException iae && iae.getMessage() != null) {
            return new InvalidOption(path, iae.getMessage());
        }
        return new InvalidOption(path, e.getOriginalMessage());
    }

    private static String describe(Object v) {
        return v instanceof String s ? "'" + s + "'" : String.valueOf(v);
    }

    private static String typeName(Class<?> t) {
        if (t == double.class || t == Double.class || t == float.class) {
            return "a number";
        }
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) {
            return "an integer";
        }
        if (t == boolean.class || t == Boolean.class) {
            return "true or false";
        }
        if (t.isEnum()) {
            return "one of " + java.util.Arrays.stream(t.getEnumConstants())
                    .map(c -> dev.cggm.train.config.Choice.id((Enum<?>) c)).toList();
        }
        if (java.util.List.class.isAssignableFrom(t)) {
            return "a list";
        }
        return "a " + t.getSimpleName();
    }
}
