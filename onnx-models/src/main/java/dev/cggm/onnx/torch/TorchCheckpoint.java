package dev.cggm.onnx.torch;

import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads a PyTorch state dict ({@code torch.save(model.state_dict(), f)}) without PyTorch: the
 * pickle is read with Pyrolite, tensors are rebuilt from their storages honouring offset and
 * strides. Both of PyTorch's formats are read: the zip archive of PyTorch ≥ 1.6
 * ({@code <root>/data.pkl} plus one {@code <root>/data/<key>} file per storage) and the legacy
 * stream (magic number, protocol, system-info and state-dict pickles, the storage keys, then each
 * storage as an int64 element count followed by its raw little-endian bytes).
 *
 * <p>Floating-point and integer storages are returned as float32 values (integers are only
 * BatchNorm's {@code num_batches_tracked} counters in the checkpoints this reads).
 */
public final class TorchCheckpoint {
    /** Legacy format's magic number (torch/serialization.py MAGIC_NUMBER). */
    private static final java.math.BigInteger MAGIC = new java.math.BigInteger("1950a86a20f9469cfc6c", 16);

    static {
        Unpickler.registerConstructor("collections", "OrderedDict", args -> new StateDict());
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2", TorchCheckpoint::rebuildTensor);
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor", TorchCheckpoint::rebuildTensor);
        Unpickler.registerConstructor("torch._utils", "_rebuild_parameter", args -> args[0]);
        for (String type : List.of("FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage",
                "IntStorage", "ShortStorage", "ByteStorage", "CharStorage", "BoolStorage")) {
            Unpickler.registerConstructor("torch", type, new StorageType(type));
        }
    }

    /** A storage class named in a persistent id ({@code torch.FloatStorage}, …). */
    private record StorageType(String name) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException("storage classes are not constructed in a state dict");
        }
    }

    /**
     * A tensor of the checkpoint, contiguous row-major.
     *
     * @param storageType PyTorch's storage class name, e.g. {@code FloatStorage}
     */
    public record Tensor(String name, long[] shape, float[] values, String storageType) {
        /** Elements. */
        public int size() {
            return values.length;
        }

        @Override
        public String toString() {
            return name + " " + Arrays.toString(shape) + " (" + storageType + ")";
        }
    }

    private TorchCheckpoint() {
    }

    /** Reads every tensor of the state dict in {@code file} (by name; the unpickler does not keep the dict's order). */
    public static Map<String, Tensor> read(Path file) throws IOException {
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, 4) < 4) {
                throw new TorchCheckpointException(file + ": too short to be a PyTorch checkpoint");
            }
        }
        try {
            if (head[0] == 'P' && head[1] == 'K') {
                return readZip(file);
            }
            return readLegacy(file);
        } catch (java.io.EOFException e) {
            throw new TorchCheckpointException(file + ": truncated (ends inside the checkpoint)", e);
        } catch (PickleException | ClassCastException | IndexOutOfBoundsException e) {
            throw new TorchCheckpointException(file + ": not a PyTorch state dict this reader understands: "
                    + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- the two containers

    private static Map<String, Tensor> readZip(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pkl = zip.stream().filter(e -> e.getName().endsWith("/data.pkl") || e.getName().equals("data.pkl"))
                    .findFirst().orElseThrow(() -> new TorchCheckpointException(file + ": zip without data.pkl"));
            String root = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            Object dict;
            try (InputStream in = zip.getInputStream(pkl)) {
                dict = new StorageUnpickler().load(in);
            }
            return tensors(file, dict, key -> {
                ZipEntry e = zip.getEntry(root + "data/" + key);
                if (e == null) {
                    throw new TorchCheckpointException(file + ": storage " + key + " missing from the archive");
                }
                try (InputStream in = zip.getInputStream(e)) {
                    return in.readAllBytes();
                }
            });
        }
    }

    private static Map<String, Tensor> readLegacy(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
            Object magic = new Unpickler().load(in);
            if (!(magic instanceof Number n) || !MAGIC.equals(new java.math.BigInteger(n.toString()))) {
                throw new TorchCheckpointException(file + ": not a PyTorch checkpoint (no zip header, no legacy magic number)");
            }
            Object protocol = new Unpickler().load(in);
            if (!(protocol instanceof Number p) || p.intValue() != 1001) {
                throw new TorchCheckpointException(file + ": unsupported legacy protocol " + protocol);
            }
            Object sysInfo = new Unpickler().load(in);
            if (sysInfo instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
                throw new TorchCheckpointException(file + ": written on a big-endian machine (not supported)");
            }
            StorageUnpickler main = new StorageUnpickler();
            Object dict = main.load(in);
            List<?> keys = (List<?>) new Unpickler().load(in);
            Map<String, byte[]> storages = new HashMap<>();
            for (Object k : keys) {
                String key = k.toString();
                StorageRef ref = main.storages.get(key);
                if (ref == null) {
                    throw new TorchCheckpointException(file + ": storage " + key + " is listed but never referenced");
                }
                long count = Long.reverseBytes(in.readLong());
                if (count != ref.numel) {
                    throw new TorchCheckpointException(file + ": storage " + key + " holds " + count
                            + " elements, its reference says " + ref.numel);
                }
                byte[] data = new byte[Math.toIntExact(count * ref.elementSize())];
                in.readFully(data);
                storages.put(key, data);
            }
            return tensors(file, dict, key -> {
                byte[] b = storages.get(key);
                if (b == null) {
                    throw new TorchCheckpointException(file + ": storage " + key + " has no data");
                }
                return b;
            });
        }
    }

    private interface StorageBytes {
        byte[] get(String key) throws IOException;
    }

    private static Map<String, Tensor> tensors(Path file, Object dict, StorageBytes bytes) throws IOException {
        if (!(dict instanceof Map<?, ?> map)) {
            throw new TorchCheckpointException(file + ": the pickle is a " + (dict == null ? "None" : dict.getClass()
                    .getSimpleName()) + ", not a state dict");
        }
        Map<String, byte[]> cache = new HashMap<>();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String name = String.valueOf(e.getKey());
            if (!(e.getValue() instanceof TensorRef t)) {
                throw new TorchCheckpointException(file + ": entry '" + name + "' is not a tensor");
            }
            byte[] data = cache.get(t.storage.key);
            if (data == null) {
                data = bytes.get(t.storage.key);
                cache.put(t.storage.key, data);
            }
            out.put(name, new Tensor(name, t.shape, gather(file, name, t, data), t.storage.type));
        }
        return out;
    }

    /** The tensor's elements in row-major order, read through its offset and strides. */
    private static float[] gather(Path file, String name, TensorRef t, byte[] data) {
        ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        long n = 1;
        for (long d : t.shape) {
            n *= d;
        }
        float[] out = new float[Math.toIntExact(n)];
        int rank = t.shape.length;
        long[] index = new long[rank];
        int size = t.storage.elementSize();
        long capacity = data.length / size;
        for (int i = 0; i < out.length; i++) {
            long at = t.offset;
            for (int d = 0; d < rank; d++) {
                at += index[d] * t.stride[d];
            }
            if (at < 0 || at >= capacity) {
                throw new TorchCheckpointException(file + ": tensor '" + name + "' reads past its storage");
            }
            out[i] = t.storage.read(buf, (int) at);
            for (int d = rank - 1; d >= 0; d--) {
                if (++index[d] < t.shape[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- pickle objects

    /** A state dict: an ordered map that ignores the {@code _metadata} attribute PyTorch sets on it. */
    public static final class StateDict extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;

        /** Called by the unpickler's BUILD opcode with the dict's attributes. */
        public void __setstate__(HashMap<?, ?> state) {
            // attributes such as _metadata (module versions) are not needed
        }
    }

    private record StorageRef(String key, String type, long numel) {
        int elementSize() {
            return switch (type) {
                case "FloatStorage", "IntStorage" -> 4;
                case "DoubleStorage", "LongStorage" -> 8;
                case "HalfStorage", "BFloat16Storage", "ShortStorage" -> 2;
                case "ByteStorage", "CharStorage", "BoolStorage" -> 1;
                default -> throw new TorchCheckpointException("unsupported storage type " + type);
            };
        }

        float read(ByteBuffer b, int i) {
            return switch (type) {
                case "FloatStorage" -> b.getFloat(i * 4);
                case "DoubleStorage" -> (float) b.getDouble(i * 8);
                case "HalfStorage" -> dev.cggm.onnx.graph.Tensors.float16ToFloat(b.getShort(i * 2));
                case "BFloat16Storage" -> Float.intBitsToFloat((b.getShort(i * 2) & 0xFFFF) << 16);
                case "LongStorage" -> b.getLong(i * 8);
                case "IntStorage" -> b.getInt(i * 4);
                case "ShortStorage" -> b.getShort(i * 2);
                case "ByteStorage" -> b.get(i) & 0xFF;
                case "CharStorage" -> b.get(i);
                case "BoolStorage" -> b.get(i) != 0 ? 1 : 0;
                default -> throw new TorchCheckpointException("unsupported storage type " + type);
            };
        }
    }

    private record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {
    }

    private static Object rebuildTensor(Object[] args) {
        StorageRef storage = (StorageRef) args[0];
        long offset = ((Number) args[1]).longValue();
        long[] shape = longs(args[2]);
        long[] stride = longs(args[3]);
        if (shape.length != stride.length) {
            throw new PickleException("tensor with " + shape.length + " dims but " + stride.length + " strides");
        }
        return new TensorRef(storage, offset, shape, stride);
    }

    private static long[] longs(Object tuple) {
        Object[] a = tuple instanceof Object[] arr ? arr : ((List<?>) tuple).toArray();
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = ((Number) a[i]).longValue();
        }
        return out;
    }

    /** Resolves PyTorch's persistent ids ({@code ('storage', type, key, location, numel, …)}). */
    private static final class StorageUnpickler extends Unpickler {
        final Map<String, StorageRef> storages = new LinkedHashMap<>();

        @Override
        protected Object persistentLoad(Object pid) {
            Object[] t = pid instanceof Object[] arr ? arr : ((List<?>) pid).toArray();
            if (t.length < 5 || !"storage".equals(t[0])) {
                throw new PickleException("unexpected persistent id " + Arrays.deepToString(t));
            }
            if (t.length > 5 && t[5] != null) {
                throw new PickleException("storage views are not supported");
            }
            if (!(t[1] instanceof StorageType type)) {
                throw new PickleException("unsupported storage type " + t[1]);
            }
            String key = String.valueOf(t[2]);
            long numel = ((Number) t[4]).longValue();
            return storages.computeIfAbsent(key, k -> new StorageRef(k, type.name(), numel));
        }
    }
}
