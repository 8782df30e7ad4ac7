package dev.cggm.features.brats;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The NIfTI-1 reader: datatypes, scaling, byte order, gzip or not, and one-line refusals. */
class NiftiTest {
    static Volume ramp(int nx, int ny, int nz, float scale) {
        float[] v = new float[nx * ny * nz];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i % 97) * scale;
        }
        return new Volume(nx, ny, nz, v);
    }

    @Test
    void roundTripsEveryStoredTypeWithScaling(@TempDir Path tmp) throws IOException {
        Volume v = ramp(5, 4, 3, 1f);
        for (String type : new String[] {"uint8", "int16", "int32", "float32", "float64"}) {
            Path f = tmp.resolve(type + ".nii.gz");
            Nifti.write(f, v, type, 0f, 0f);
            Volume back = Nifti.read(f);
            assertEquals("5x4x3", back.shape());
            assertArrayEquals(v.data(), back.data(), type);
        }
        // stored = (v - 10) / 0.5, read back as stored * 0.5 + 10
        Volume s = ramp(5, 4, 3, 0.5f);
        Path f = tmp.resolve("scaled.nii.gz");
        Nifti.write(f, s, "int16", 0.5f, 10f);
        assertArrayEquals(s.data(), Nifti.read(f).data());
        // x fastest: the voxel (x, y, z) = (1, 2, 0) is element 1 + 5·2
        assertEquals(v.data()[11], Nifti.read(tmp.resolve("int16.nii.gz")).at(1, 2, 0));
    }

    /** A big-endian, uncompressed .nii written by hand (as some tools still write them), with a 4-D header of one frame. */
    @Test
    void readsBigEndianUncompressedFiles(@TempDir Path tmp) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(352 + 2 * 2 * 3 * 2).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0, 348);
        b.putShort(40, (short) 4).putShort(42, (short) 2).putShort(44, (short) 3).putShort(46, (short) 2)
                .putShort(48, (short) 1);
        b.putShort(70, (short) 4).putShort(72, (short) 16);
        b.putFloat(108, 352f).putFloat(112, 2f).putFloat(116, -1f);
        b.put(344, (byte) 'n').put(345, (byte) '+').put(346, (byte) '1');
        for (int i = 0; i < 12; i++) {
            b.putShort(352 + 2 * i, (short) (i - 3));
        }
        Path f = tmp.resolve("be.nii");
        Files.write(f, b.array());
        Volume v = Nifti.read(f);
        assertEquals("2x3x2", v.shape());
        float[] want = new float[12];
        for (int i = 0; i < 12; i++) {
            want[i] = (i - 3) * 2f - 1f;
        }
        assertArrayEquals(want, v.data());
    }

    @Test
    void damagedAndForeignFilesAreRefusedInOneLine(@TempDir Path tmp) throws IOException {
        Path good = tmp.resolve("good.nii.gz");
        Nifti.write(good, ramp(16, 16, 8, 3f), "int16", 0f, 0f);
        byte[] bytes = Files.readAllBytes(good);

        Path truncated = tmp.resolve("truncated.nii.gz");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        assertMessage(truncated, "truncated.nii.gz: corrupt or truncated gzip data");

        Path garbled = tmp.resolve("garbled.nii.gz");
        byte[] g = bytes.clone();
        for (int i = 20; i < 60; i++) {
            g[i] ^= 0x5a;
        }
        Files.write(garbled, g);
        assertMessage(garbled, "garbled.nii.gz: corrupt or truncated gzip data");

        Path text = tmp.resolve("notes.nii");
        Files.writeString(text, "x".repeat(400));
        assertMessage(text, "notes.nii: not a NIfTI-1 file");

        ByteBuffer h = ByteBuffer.allocate(352).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0, 348);
        h.put(344, (byte) 'n').put(345, (byte) 'i').put(346, (byte) '1');
        Path pair = tmp.resolve("pair.nii");
        Files.write(pair, h.array());
        assertMessage(pair, "pair.nii: a header of a .hdr/.img pair");

        ByteBuffer two = ByteBuffer.allocate(600).order(ByteOrder.LITTLE_ENDIAN);
        two.putInt(0, 540);
        Path nifti2 = tmp.resolve("v2.nii");
        Files.write(nifti2, two.array());
        assertMessage(nifti2, "v2.nii: a NIfTI-2 file");
    }

    private static void assertMessage(Path f, String start) {
        var e = assertThrows(Nifti.FormatException.class, () -> Nifti.read(f));
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }
}
