package dev.cggm.features.brats;

/** NIfTI-1 voxel datatypes this reader knows: their code, bytes per voxel and how to decode one. */
enum NiftiType {
    UINT8(2, 1), INT16(4, 2), INT32(8, 4), FLOAT32(16, 4), FLOAT64(64, 8), INT8(256, 1), UINT16(512, 2),
    UINT32(768, 4), INT64(1024, 8), UINT64(1280, 8);

    final int code;
    final int bytes;

    NiftiType(int code, int bytes) {
        this.code = code;
        this.bytes = bytes;
    }

    static NiftiType of(int code) {
        for (NiftiType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }

    /** The voxel at {@code i} of {@code b} (already in the file's byte order). */
    double read(java.nio.ByteBuffer b, int i) {
        int at = i * bytes;
        return switch (this) {
            case UINT8 -> b.get(at) & 0xff;
            case INT8 -> b.get(at);
            case INT16 -> b.getShort(at);
            case UINT16 -> b.getShort(at) & 0xffff;
            case INT32 -> b.getInt(at);
            case UINT32 -> b.getInt(at) & 0xffffffffL;
            case INT64 -> b.getLong(at);
            case UINT64 -> unsigned(b.getLong(at));
            case FLOAT32 -> b.getFloat(at);
            case FLOAT64 -> b.getDouble(at);
        };
    }

    private static double unsigned(long v) {
        return v >= 0 ? v : (v >>> 1) * 2.0 + (v & 1);
    }
}
