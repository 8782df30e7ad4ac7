package dev.cggm.features.brats;

/**
 * A 3-D scalar volume, x fastest (NIfTI's and numpy's Fortran-free view of it alike: the value at
 * (x, y, z) is {@code data[x + nx·(y + ny·z)]}).
 */
public record Volume(int nx, int ny, int nz, float[] data) {
    public Volume {
        if (nx <= 0 || ny <= 0 || nz <= 0 || (long) nx * ny * nz != data.length) {
            throw new IllegalArgumentException("a volume of " + nx + "x" + ny + "x" + nz + " needs that many values, got "
                    + data.length);
        }
    }

    public float at(int x, int y, int z) {
        return data[x + nx * (y + ny * z)];
    }

    /** Whether {@code other} has the same extents. */
    public boolean sameShape(Volume other) {
        return nx == other.nx && ny == other.ny && nz == other.nz;
    }

    /** "240x240x155". */
    public String shape() {
        return nx + "x" + ny + "x" + nz;
    }
}
