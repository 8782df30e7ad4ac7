package dev.cggm.train.method;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.jsontype.NamedType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry of balancing methods, by id, and named variants of them ({@code cggm-guarded} is
 * CGGM with guarded coefficients). A new method is one class and one line here.
 */
public final class Methods {
    private static final Map<String, MethodDescriptor<?>> METHODS = new LinkedHashMap<>();
    private static final Map<String, Variant> VARIANTS = new LinkedHashMap<>();

    /** A named variant: a method with some options set. */
    public record Variant(String name, String method, Map<String, Object> options) {
    }

    static {
        register(JointTraining.DESCRIPTOR);
        register(Cggm.DESCRIPTOR);
        register(Ogm.DESCRIPTOR);
        register(Agm.DESCRIPTOR);
        register(Pmr.DESCRIPTOR);
        register(Mslr.DESCRIPTOR);
        register(MMPareto.DESCRIPTOR);
        register(MLA.DESCRIPTOR);
        register(MMCosine.DESCRIPTOR);
        register(UMT.DESCRIPTOR);
        variant("none", "joint", Map.of());
        variant("cggm-guarded", "cggm", Map.of("coefficients", "guarded"));
        variant("ogm", "ogm-ge", Map.of("noise", false));
    }

    private Methods() {
    }

    private static void register(MethodDescriptor<?> d) {
        METHODS.put(d.id(), d);
    }

    private static void variant(String name, String method, Map<String, Object> options) {
        VARIANTS.put(name, new Variant(name, method, options));
    }

    /** The method of this id, or an error listing the known ones. */
    public static MethodDescriptor<?> get(String id) {
        MethodDescriptor<?> d = METHODS.get(id);
        if (d == null) {
            throw new IllegalArgumentException("unknown method '" + id + "'; known methods: " + String.join(", ", names()));
        }
        return d;
    }

    /** A method id or variant name as the method and the options it sets. */
    public static Variant resolve(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(java.util.Locale.ROOT);
        Variant v = VARIANTS.get(n);
        if (v != null) {
            return v;
        }
        get(n);
        return new Variant(n, n, Map.of());
    }

    /** The descriptor of a method's options. */
    public static MethodDescriptor<?> of(MethodOptions options) {
        for (MethodDescriptor<?> d : METHODS.values()) {
            if (d.optionsType().isInstance(options)) {
                return d;
            }
        }
        throw new IllegalArgumentException("no registered method has options of type " + options.getClass().getName());
    }

    public static List<MethodDescriptor<?>> all() {
        return List.copyOf(METHODS.values());
    }

    /** Method ids, then variant names. */
    public static List<String> names() {
        List<String> out = new java.util.ArrayList<>(METHODS.keySet());
        out.addAll(VARIANTS.keySet());
        return out;
    }

    public static Map<String, Variant> variants() {
        return Map.copyOf(VARIANTS);
    }

    /** Lets {@code mapper} read and write every method's options under {@code "id": "<method>"}. */
    public static ObjectMapper registerOptionTypes(ObjectMapper mapper) {
        for (MethodDescriptor<?> d : METHODS.values()) {
            mapper.registerSubtypes(new NamedType(d.optionsType(), d.id()));
        }
        return mapper;
    }
}
