package dev.cggm.features.encoders;

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

    /** The declared tensor info of {@code name}, checked for element type and rank; null if absent and optional. */
    static TensorInfo tensor(Map<String, NodeInfo> infos, String kind, String model, String name, OnnxJavaType type,
                             int rank, boolean required, String expected) {
        NodeInfo n = infos.get(name);
        if (n == null) {
            if (required) {
                String what = kind.equals("output") ? "model" : kind + " encoder";
                throw new EncoderInterfaceException(what + " " + model + " does not match the interface "
                        + expected + ": it has no " + (kind.equals("output") ? "output" : "input") + " '" + name
                        + "' (it has: " + infos.keySet() + ")");
            }
            return null;
        }
        if (n.getInfo() instanceof TensorInfo t && t.type == type && t.getShape().length == rank) {
            return t;
        }
        String what = kind.equals("output") ? "model" : kind + " encoder";
        throw new EncoderInterfaceException(what + " " + model + " does not match the interface " + expected
                + ": '" + name + "' is " + n.getInfo() + ", expected a rank-" + rank + " " + type + " tensor");
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

    static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    static String shape(long[] s) {
        return Arrays.toString(s);
    }
}
