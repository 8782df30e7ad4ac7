package dev.cggm.features.encoders;

import dev.cggm.onnx.runtime.DeviceSessions;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/** Checks of an ONNX Runtime session's declared inputs and outputs against an expected interface. */
final class OrtInterface {
    private OrtInterface() {
    }

    /**
     * The declared tensor info of input or output {@code name}, checked for element type and rank;
     * null when it is absent and optional.
     *
     * @param kind     {@code text} or {@code image} (for messages)
     * @param isOutput whether {@code infos} are the model's outputs
     */
    static TensorInfo tensor(Map<String, NodeInfo> infos, String kind, String model, String name, boolean isOutput,
                             OnnxJavaType type, int rank, boolean required, String expected) {
        NodeInfo n = infos.get(name);
        String prefix = kind + " encoder " + model + " does not match the interface " + expected + ": ";
        if (n == null) {
            if (required) {
                throw new EncoderInterfaceException(prefix + "it has no " + (isOutput ? "output" : "input") + " '"
                        + name + "' (its " + (isOutput ? "outputs" : "inputs") + ": " + infos.keySet() + ")");
            }
            return null;
        }
        if (n.getInfo() instanceof TensorInfo t && t.type == type && t.getShape().length == rank) {
            return t;
        }
        throw new EncoderInterfaceException(prefix + "'" + name + "' is " + n.getInfo() + ", expected a rank-" + rank
                + " " + type + " tensor");
    }

    /** Fails when the model declares inputs beyond {@code allowed}. */
    static void noOtherInputs(OrtSession s, String kind, String model, Set<String> allowed, String expected)
            throws OrtException {
        for (String in : s.getInputNames()) {
            if (!allowed.contains(in)) {
                throw new EncoderInterfaceException(kind + " encoder " + model + " does not match the interface "
                        + expected + ": unexpected input '" + in + "' (inputs: " + s.getInputNames() + ")");
            }
        }
    }

    /**
     * Opens an encoder's model on the device of {@code devices}; a model ONNX Runtime cannot load
     * is an {@link EncoderInterfaceException} naming it ({@code kind}: "text" or "image").
     */
    static OrtSession load(ModelSource source, String kind, String model, DeviceSessions devices) throws OrtException {
        try {
            return devices.open(source.read());
        } catch (DeviceSessions.DeviceUnavailableException e) {
            throw e;
        } catch (OrtException e) {
            throw new EncoderInterfaceException(kind + " encoder " + model + " cannot be loaded by ONNX Runtime: "
                    + firstLine(e), e);
        }
    }

    static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    static String shape(long[] s) {
        return Arrays.toString(s);
    }
}
