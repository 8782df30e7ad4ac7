package dev.cggm.onnx.artifacts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cggm.onnx.runtime.HostTensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format (8-byte little-endian header length, JSON header, raw little-endian
 * data): what PyTorch's {@code safetensors.torch.load_file} reads. Checkpoints are float32;
 * {@link #writeTensors} also writes float64, int64 and bool tensors (inputs, masks, state).
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A named float32 tensor. */
    public record Entry(long[] shape, float[] data) {
    }

    private SafeTensors() {
    }

    /** Writes float32 tensors (in map order) and optional string metadata atomically. */
    public static void write(Path file, Map<String, Entry> tensors, Map<String, String> metadata) throws IOException {
        Map<String, HostTensor> host = new LinkedHashMap<>();
        tensors.forEach((name, e) -> host.put(name, HostTensor.of(e.data(), e.shape())));
        writeTensors(file, host, metadata);
    }

    /** Writes host tensors of any supported type (F32, F64, I64, BOOL) atomically. */
    public static void writeTensors(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata)
            throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            HostTensor t = e.getValue();
            long bytes = (long) t.dtype().byteSize() * t.size();
            ObjectNode node = header.putObject(e.getKey());
            node.put("dtype", switch (t.dtype()) {
                case FLOAT -> "F32";
                case DOUBLE -> "F64";
                case INT64 -> "I64";
                case BOOL -> "BOOL";
                default -> throw new IOException("cannot write " + t.dtype() + " tensor '" + e.getKey() + "'");
            });
            var shape = node.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            var offsets = node.putArray("data_offsets");
            offsets.add(offset);
            offsets.add(offset + bytes);
            offset += bytes;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            writeHeader(out, JSON.writeValueAsBytes(header));
            for (HostTensor t : tensors.values()) {
                ByteBuffer buf = ByteBuffer.allocate(t.dtype().byteSize() * t.size()).order(ByteOrder.LITTLE_ENDIAN);
                switch (t.dtype()) {
                    case FLOAT -> buf.asFloatBuffer().put((float[]) t.data());
                    case DOUBLE -> buf.asDoubleBuffer().put((double[]) t.data());
                    case INT64 -> buf.asLongBuffer().put((long[]) t.data());
                    case BOOL -> {
                        for (boolean v : (boolean[]) t.data()) {
                            buf.put((byte) (v ? 1 : 0));
                        }
                    }
                    default -> throw new IllegalStateException();
                }
                out.write(buf.array());
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeHeader(OutputStream out, byte[] json) throws IOException {
        int padded = (json.length + 7) / 8 * 8; // keep the data 8-byte aligned
        byte[] headerBytes = new byte[padded];
        java.util.Arrays.fill(headerBytes, (byte) ' ');
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
        out.write(headerBytes);
    }

    /** Reads all float32 tensors; a tensor of another dtype is an error naming it. */
    public static Map<String, Entry> read(Path file) throws IOException {
        Map<String, Entry> out = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : readTensors(file).entrySet()) {
            HostTensor t = e.getValue();
            if (!(t.data() instanceof float[] f)) {
                throw new IOException(file + ": tensor '" + e.getKey() + "' is " + t.dtype() + "; only F32 is expected here");
            }
            out.put(e.getKey(), new Entry(t.shape(), f));
        }
        return out;
    }

    /** Reads every tensor (F32, F64, I64, BOOL) as host tensors. */
    public static Map<String, HostTensor> readTensors(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            JsonNode header = header(ch, file);
            long dataStart = ch.position();
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (!f.getKey().equals("__metadata__")) {
                    out.put(f.getKey(), tensor(ch, file, dataStart, f.getKey(), f.getValue()));
                }
            }
            return out;
        }
    }

    /** The {@code __metadata__} map of a safetensors file (empty if none). */
    public static Map<String, String> readMetadata(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Map<String, String> out = new LinkedHashMap<>();
            header(ch, file).path("__metadata__").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
            return out;
        }
    }

    /** Reads the JSON header; the channel is left at the start of the data. */
    private static JsonNode header(FileChannel ch, Path file) throws IOException {
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, file);
        long headerLen = lenBuf.flip().getLong();
        if (headerLen <= 0 || headerLen > 100_000_000 || headerLen + 8 > ch.size()) {
            throw new IOException(file + " is not a safetensors file (header length " + headerLen + ")");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
        readFully(ch, headerBuf, file);
        return JSON.readTree(new String(headerBuf.array(), StandardCharsets.UTF_8));
    }

    private static HostTensor tensor(FileChannel ch, Path file, long dataStart, String name, JsonNode t) throws IOException {
        long[] shape = new long[t.path("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.path("shape").get(i).asLong();
        }
        int n = (int) HostTensor.count(shape);
        long begin = t.path("data_offsets").get(0).asLong();
        long end = t.path("data_offsets").get(1).asLong();
        String dtype = t.path("dtype").asText();
        int width = switch (dtype) {
            case "F32" -> 4;
            case "F64", "I64" -> 8;
            case "BOOL" -> 1;
            default -> throw new IOException(file + ": tensor '" + name + "' has unsupported dtype " + dtype);
        };
        if (end - begin != (long) width * n || dataStart + end > ch.size()) {
            throw new IOException(file + ": tensor '" + name + "' has inconsistent offsets");
        }
        ByteBuffer data = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
        ch.position(dataStart + begin);
        readFully(ch, data, file);
        data.flip();
        return switch (dtype) {
            case "F32" -> {
                float[] v = new float[n];
                data.asFloatBuffer().get(v);
                yield HostTensor.of(v, shape);
            }
            case "F64" -> {
                double[] v = new double[n];
                data.asDoubleBuffer().get(v);
                yield HostTensor.of(v, shape);
            }
            case "I64" -> {
                long[] v = new long[n];
                data.asLongBuffer().get(v);
                yield HostTensor.of(v, shape);
            }
            default -> {
                boolean[] v = new boolean[n];
                for (int i = 0; i < n; i++) {
                    v[i] = data.get(i) != 0;
                }
                yield HostTensor.of(v, shape);
            }
        };
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, Path file) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new IOException(file + " ends early (truncated safetensors file)");
            }
        }
    }
}
