package dev.cggm.server;

import dev.cggm.api.v1.ListMethodsResponse;
import dev.cggm.api.v1.MethodInfo;
import dev.cggm.api.v1.MethodOption;
import dev.cggm.api.v1.MethodVariant;
import dev.cggm.onnx.models.Presets;
import dev.cggm.train.config.Choice;
import dev.cggm.train.method.MethodDescriptor;
import dev.cggm.train.method.Methods;
import dev.cggm.train.run.Json;

import java.util.Arrays;
import java.util.Map;

/** The method registry as the API describes it (ListMethods). */
final class MethodCatalog {
    private MethodCatalog() {
    }

    static ListMethodsResponse list(String preset) {
        String p = preset == null || preset.isBlank() ? "tiny" : preset;
        if (!Presets.names().contains(p)) {
            throw ApiErrors.invalid("preset", "unknown preset '" + p + "'; known presets: " + String.join(", ", Presets.names()));
        }
        ListMethodsResponse.Builder b = ListMethodsResponse.newBuilder();
        for (MethodDescriptor<?> d : Methods.all()) {
            MethodInfo.Builder m = MethodInfo.newBuilder().setId(d.id()).setSummary(d.summary())
                    .addAllArchitectures(d.architectures()).setMinModalities(d.minModalities())
                    .setMaxModalities(d.maxModalities() == Integer.MAX_VALUE ? 0 : d.maxModalities());
            for (MethodDescriptor.Option o : d.options(p)) {
                MethodOption.Builder opt = MethodOption.newBuilder().setName(o.name()).setType(type(o.type()))
                        .setDescription(o.doc())
                        .setDefaultValue(TrainOptionsMapper.value(Json.FILES.valueToTree(o.defaultValue())));
                if (o.type().isEnum()) {
                    Arrays.stream(o.type().getEnumConstants()).forEach(c -> opt.addChoices(Choice.id((Enum<?>) c)));
                }
                m.addOptions(opt);
            }
            b.addMethods(m);
        }
        for (Methods.Variant v : Methods.variants().values()) {
            b.addVariants(MethodVariant.newBuilder().setName(v.name()).setMethod(v.method())
                    .setOptions(TrainOptionsMapper.struct(Json.FILES.valueToTree(Map.copyOf(v.options())))));
        }
        return b.build();
    }

    private static String type(Class<?> t) {
        if (t == double.class || t == float.class) {
            return "number";
        }
        if (t == int.class || t == long.class) {
            return "integer";
        }
        if (t == boolean.class) {
            return "boolean";
        }
        return t.isEnum() ? "choice" : "string";
    }
}
