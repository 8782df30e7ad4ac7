package dev.cggm.features.imports;

import dev.cggm.features.FeatureException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link NpyFile} on files laid out byte by byte as the .npy format specification says. */
class NpyFileTest {
    /** magic, version, header length, header padded with spaces to a multiple of 64 (ending in \n), data. */
    private static byte[] npy(int major, String header, byte[] data) {
        int prefix = major == 1 ? 10 : 12;
        StringBuilder h = new StringBuilder(header);
        while ((prefix + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        ByteBuffer len = ByteBuffer.allocate(major == 1 ? 2 : 4).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            len.putShort((short) h.length());
        } else {
            len.putInt(h.length());
        }
        out.writeBytes(len.array());
        out.writeBytes(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(data);
        return out.toByteArray();
    }

    @Test
    void littleEndianFloat32VersionOne(@TempDir Path tmp) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) {
            b.putFloat(i * 1.5f - 2);
        }
        Path f = tmp.resolve("a.npy");
        Files.write(f, npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", b.array()));
        NdArray a = NpyFile.read(f);
        assertArrayEquals(new int[] {2, 3}, a.shape());
        float[] v = new float[6];
        a.copyFloats(0, v, 0, 6);
        assertArrayEquals(new float[] {-2f, -0.5f, 1f, 2.5f, 4f, 5.5f}, v);
    }

    @Test
    void bigEndianInt64FortranOrderVersionTwo(@TempDir Path tmp) throws Exception {
        // C-order [[0, 1, 2], [3, 4, 5]] stored column by column: 0 3 1 4 2 5
        ByteBuffer b = ByteBuffer.allocate(48).order(ByteOrder.BIG_ENDIAN);
        for (long x : new long[] {0, 3, 1, 4, 2, 5}) {
            b.putLong(x);
        }
        Path f = tmp.resolve("b.npy");
        Files.write(f, npy(2, "{'descr': '>i8', 'fortran_order': True, 'shape': (2, 3), }", b.array()));
        NdArray a = NpyFile.read(f);
        for (int i = 0; i < 6; i++) {
            assertEquals(i, a.getLong(i));
        }
    }

    @Test
    void fixedWidthBytesAndUnicodeStrings(@TempDir Path tmp) throws Exception {
        byte[] s = "Ses01\0\0abc\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1);
        Path f = tmp.resolve("s.npy");
        Files.write(f, npy(1, "{'descr': '|S7', 'fortran_order': False, 'shape': (2, 1), }", s));
        NdArray a = NpyFile.read(f);
        assertEquals("Ses01", a.getString(0));
        assertEquals("abc", a.getString(1));
        ByteBuffer u = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        u.putInt('h').putInt(0xe9).putInt(0x1F600).putInt(0);
        Path g = tmp.resolve("u.npy");
        Files.write(g, npy(3, "{'descr': '<U4', 'fortran_order': False, 'shape': (1,), }", u.array()));
        assertEquals("hé\uD83D\uDE00", NpyFile.read(g).getString(0));
    }

    @Test
    void truncatedAndForeignFilesAreOneLineErrors(@TempDir Path tmp) throws Exception {
        byte[] full = npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", new byte[32]);
        Path f = tmp.resolve("t.npy");
        Files.write(f, Arrays.copyOf(full, full.length - 5));
        FeatureException e = assertThrows(FeatureException.class, () -> NpyFile.read(f));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        Files.writeString(f, "not numpy");
        assertTrue(assertThrows(FeatureException.class, () -> NpyFile.read(f)).getMessage().contains("not a numpy"));
        Files.write(f, npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new byte[4]));
        assertTrue(assertThrows(FeatureException.class, () -> NpyFile.read(f)).getMessage().contains("structured"));
    }
}
