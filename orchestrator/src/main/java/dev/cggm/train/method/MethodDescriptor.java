package dev.cggm.train.method;

import dev.cggm.onnx.models.ModelFeature;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A balancing method as the registry knows it: its id and summary, its options type and their
 * defaults per preset, the architectures it runs on (the first is its default), the graph
 * features it needs, how many modalities it can balance, and how to create it for a run.
 *
 * @param architectures    architectures it runs on; the first is used unless the run names another
 * @param requires         what the architecture's graphs must offer
 * @param minModalities    fewest modalities it can balance
 * @param maxModalities    most modalities it can balance
 */
public record MethodDescriptor<O extends MethodOptions>(
        String id,
        String summary,
        Class<O> optionsType,
        Function<String, O> defaults,
        List<String> architectures,
        Set<ModelFeature> requires,
        int minModalities,
        int maxModalities,
        BiFunction<O, MethodSetup, BalancingMethod> factory) {

    public MethodDescriptor {
        if (!optionsType.isRecord()) {
            throw new IllegalArgumentException("options of method '" + id + "' must be a record");
        }
        architectures = List.copyOf(architectures);
        requires = Set.copyOf(requires);
    }

    /** The architecture a run uses unless it names one. */
    public String defaultArchitecture() {
        return architectures.get(0);
    }

    /** The method's default options for a preset. */
    public O defaultsFor(String preset) {
        return defaults.apply(preset);
    }

    /** Creates the method for a run; {@code options} must be this method's. */
    public BalancingMethod create(MethodOptions options, MethodSetup setup) {
        return factory.apply(optionsType.cast(options), setup);
    }

    /** A refusal for a number of modalities this method cannot balance, or null. */
    public String refusal(int modalities) {
        if (modalities < minModalities || modalities > maxModalities) {
            return "method '" + id + "' balances " + (minModalities == maxModalities ? String.valueOf(minModalities)
                    : maxModalities == Integer.MAX_VALUE ? minModalities + " or more"
                    : minModalities + " to " + maxModalities) + " modalities, the data has " + modalities;
        }
        return null;
    }

    /** One option of the method: JSON/API name, type, default value and documentation. */
    public record Option(String name, Class<?> type, Object defaultValue, String doc) {
    }

    /** The method's options with their defaults for a preset, in declaration order. */
    public List<Option> options(String preset) {
        O d = defaultsFor(preset);
        List<Option> out = new ArrayList<>();
        for (RecordComponent c : optionsType.getRecordComponents()) {
            Object v;
            try {
                v = c.getAccessor().invoke(d);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            Doc doc = c.getAnnotation(Doc.class);
            out.add(new Option(snake(c.getName()), c.getType(), v, doc == null ? "" : doc.value()));
        }
        return out;
    }

    /** {@code startEpoch} → {@code start_epoch}: the JSON name of a record component. */
    public static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
