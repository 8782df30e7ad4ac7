package dev.cggm.features.brats;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * NIfTI-1 single-file images ({@code .nii}, or gzip-compressed {@code .nii.gz}, as BraTS ships
 * them): the 348-byte header (either byte order), the voxel datatype, {@code vox_offset} and the
 * {@code scl_slope}/{@code scl_inter} scaling (value = stored·slope + inter when slope ≠ 0), of
 * 3-D volumes (4-D with one time point too). Orientation (qform/sform) is not applied: voxels are
 * returned in storage order, x fastest, which is how BraTS volumes are co-registered already.
 */
public final class Nifti {
    static final int HEADER = 348;
    private static final long MAX_VOXELS = 1L << 28;

    private Nifti() {
    }

    /** Why a file is not a NIfTI-1 image we can read (one line, naming the file). */
    public static final class FormatException extends IOException {
        private static final long serialVersionUID = 1L;

        FormatException(Path file, String problem) {
            super(file.getFileName() + ": " + problem);
        }

        FormatException(Path file, String problem, Throwable cause) {
            super(file.getFileName() + ": " + problem, cause);
        }
    }

    /** Reads a volume; a truncated, corrupt (bad gzip) or unsupported file is a {@link FormatException}. */
    public static Volume read(Path file) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            boolean gzip = b0 == 0x1f && b1 == 0x8b;
            try (InputStream in = gzip ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw) {
                return read(file, in);
            } catch (ZipException | EOFException e) {
                throw new FormatException(file, (gzip ? "corrupt or truncated gzip data" : "truncated file") + " ("
                        + e.getMessage() + ")", e);
            }
        }
    }

    private static Volume read(Path file, InputStream in) throws IOException {
        byte[] h = in.readNBytes(HEADER);
        if (h.length < HEADER) {
            throw new FormatException(file, "only " + h.length + " bytes, shorter than a NIfTI-1 header");
        }
        ByteBuffer hb = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
        if (hb.getInt(0) != HEADER) {
            hb.order(ByteOrder.BIG_ENDIAN);
            if (hb.getInt(0) != HEADER) {
                int le = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
                throw new FormatException(file, le == 540 || Integer.reverseBytes(le) == 540
                        ? "a NIfTI-2 file; only NIfTI-1 is read" : "not a NIfTI-1 file (sizeof_hdr is not 348)");
            }
        }
        String magic = new String(h, 344, 3, StandardCharsets.US_ASCII);
        if (magic.equals("ni1")) {
            throw new FormatException(file, "a header of a .hdr/.img pair; give single-file .nii or .nii.gz images");
        }
        if (!magic.equals("n+1")) {
            throw new FormatException(file, "no NIfTI-1 magic 'n+1' (an ANALYZE file?)");
        }
        int ndim = hb.getShort(40);
        int[] dim = new int[7];
        for (int i = 0; i < 7; i++) {
            dim[i] = hb.getShort(42 + 2 * i);
        }
        if (ndim < 3 || ndim > 7) {
            throw new FormatException(file, ndim + "-D image; a 3-D volume is needed");
        }
        for (int i = 3; i < ndim; i++) {
            if (dim[i] != 1) {
                throw new FormatException(file, ndim + "-D image with " + dim[i] + " entries along axis " + (i + 1)
                        + "; a 3-D volume is needed");
            }
        }
        int nx = dim[0];
        int ny = dim[1];
        int nz = dim[2];
        if (nx <= 0 || ny <= 0 || nz <= 0 || (long) nx * ny * nz > MAX_VOXELS) {
            throw new FormatException(file, "unusable dimensions " + nx + "x" + ny + "x" + nz);
        }
        NiftiType type = NiftiType.of(hb.getShort(70));
        if (type == null) {
            throw new FormatException(file, "voxel datatype " + hb.getShort(70) + " is not supported (integers and "
                    + "float32/float64 are)");
        }
        float voxOffset = hb.getFloat(108);
        float slope = hb.getFloat(112);
        float inter = hb.getFloat(116);
        long skip = (long) voxOffset - HEADER;
        if (skip < 0 || voxOffset != Math.floor(voxOffset)) {
            throw new FormatException(file, "invalid vox_offset " + voxOffset);
        }
        in.skipNBytes(skip);
        int n = nx * ny * nz;
        byte[] body = in.readNBytes(n * type.bytes);
        if (body.length < n * type.bytes) {
            throw new FormatException(file, "truncated: " + body.length + " of " + (long) n * type.bytes
                    + " voxel bytes");
        }
        ByteBuffer vb = ByteBuffer.wrap(body).order(hb.order());
        boolean scaled = slope != 0 && Float.isFinite(slope) && Float.isFinite(inter) && !(slope == 1 && inter == 0);
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            double v = type.read(vb, i);
            data[i] = (float) (scaled ? v * slope + inter : v);
        }
        return new Volume(nx, ny, nz, data);
    }

    /**
     * Writes a gzip-compressed NIfTI-1 file (little-endian), values stored as {@code type} after
     * (value − inter)/slope and rounding for integer types. Used by the generated dataset and tests.
     */
    public static void write(Path file, Volume v, String type, float slope, float inter) throws IOException {
        NiftiType t = NiftiType.valueOf(type.toUpperCase(java.util.Locale.ROOT));
        ByteBuffer h = ByteBuffer.allocate(352).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0, HEADER);
        h.putShort(40, (short) 3);
        h.putShort(42, (short) v.nx());
        h.putShort(44, (short) v.ny());
        h.putShort(46, (short) v.nz());
        for (int i = 3; i < 7; i++) {
            h.putShort(42 + 2 * i, (short) 1);
        }
        h.putShort(70, (short) t.code);
        h.putShort(72, (short) (8 * t.bytes));
        for (int i = 0; i < 4; i++) {
            h.putFloat(76 + 4 * i, 1f);           // pixdim: 1 mm isotropic
        }
        h.putFloat(108, 352f);
        h.putFloat(112, slope);
        h.putFloat(116, inter);
        h.put(344, (byte) 'n').put(345, (byte) '+').put(346, (byte) '1').put(347, (byte) 0);
        ByteBuffer body = ByteBuffer.allocate(v.data().length * t.bytes).order(ByteOrder.LITTLE_ENDIAN);
        float s = slope == 0 ? 1 : slope;
        for (int i = 0; i < v.data().length; i++) {
            double x = (v.data()[i] - inter) / s;
            switch (t) {
                case UINT8, INT8 -> body.put(i, (byte) Math.round(x));
                case INT16, UINT16 -> body.putShort(2 * i, (short) Math.round(x));
                case INT32, UINT32 -> body.putInt(4 * i, (int) Math.round(x));
                case INT64, UINT64 -> body.putLong(8 * i, Math.round(x));
                case FLOAT32 -> body.putFloat(4 * i, (float) x);
                case FLOAT64 -> body.putDouble(8 * i, x);
                default -> throw new IllegalStateException();
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = new BufferedOutputStream(new FastGzip(Files.newOutputStream(file)))) {
            out.write(h.array());
            out.write(body.array());
        }
    }

    /** gzip at the fastest level: generated data is written often and read once. */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, 1 << 16);
            def.setLevel(java.util.zip.Deflater.BEST_SPEED);
        }
    }
}
