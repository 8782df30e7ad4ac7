package dev.cggm.onnx.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.jsontype.NamedType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The registry of architectures, by id. A new architecture is one class and one line here. */
public final class Architectures {
    private static final Map<String, Architecture> ARCHITECTURES = new LinkedHashMap<>();

    static {
        register(new CggmModel());
        register(new LateFusion());
        register(new MultimodalUNet());
        register(new ModalityHeads());
    }

    private Architectures() {
    }

    private static void register(Architecture a) {
        ARCHITECTURES.put(a.id(), a);
    }

    /** The architecture with this id, or an error listing the known ones. */
    public static Architecture get(String id) {
        Architecture a = ARCHITECTURES.get(id);
        if (a == null) {
            throw new IllegalArgumentException("unknown architecture '" + id + "'; known architectures: "
                    + String.join(", ", ids()));
        }
        return a;
    }

    /** The architecture a configuration belongs to. */
    public static Architecture of(ArchitectureConfig config) {
        return get(config.architecture());
    }

    public static List<String> ids() {
        return List.copyOf(ARCHITECTURES.keySet());
    }

    public static List<Architecture> all() {
        return List.copyOf(ARCHITECTURES.values());
    }

    /** Lets {@code mapper} read every architecture's configuration by its {@code architecture} field. */
    public static ObjectMapper registerConfigTypes(ObjectMapper mapper) {
        for (Architecture a : ARCHITECTURES.values()) {
            mapper.registerSubtypes(new NamedType(a.configType(), a.id()));
        }
        return mapper;
    }
}
