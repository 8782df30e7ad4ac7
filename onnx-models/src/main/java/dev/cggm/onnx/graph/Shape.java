package dev.cggm.onnx.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** An ordered list of dimensions (rank is always known). */
public record Shape(List<Dim> dims) {
    public Shape {
        dims = List.copyOf(dims);
    }

    public static Shape of(Dim... dims) {
        return new Shape(Arrays.asList(dims));
    }

    /** A fully static shape. */
    public static Shape of(long... sizes) {
        List<Dim> d = new ArrayList<>(sizes.length);
        for (long s : sizes) {
            d.add(Dim.of(s));
        }
        return new Shape(d);
    }

    public static Shape scalar() {
        return new Shape(List.of());
    }

    public int rank() {
        return dims.size();
    }

    public Dim dim(int axis) {
        return dims.get(normalizeAxis(axis));
    }

    /** Maps a possibly negative axis to {@code [0, rank)} or fails naming the shape. */
    public int normalizeAxis(int axis) {
        int r = rank();
        int a = axis < 0 ? axis + r : axis;
        if (a < 0 || a >= r) {
            throw new GraphException("axis " + axis + " is out of range for shape " + this);
        }
        return a;
    }

    public boolean isStatic() {
        return dims.stream().allMatch(Dim::isKnown);
    }

    /** Static sizes; fails if any dimension is symbolic. */
    public long[] sizes() {
        long[] s = new long[dims.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = dims.get(i).size();
        }
        return s;
    }

    /** Number of elements; fails if any dimension is symbolic. */
    public long numElements() {
        long n = 1;
        for (Dim d : dims) {
            n *= d.size();
        }
        return n;
    }

    /** Replaces dimension {@code axis}. */
    public Shape with(int axis, Dim d) {
        List<Dim> copy = new ArrayList<>(dims);
        copy.set(normalizeAxis(axis), d);
        return new Shape(copy);
    }

    /**
     * Numpy-style broadcast of two shapes. A symbolic dimension against a known size other than 1
     * is taken to equal that size; two different symbols give an unknown dimension.
     */
    public static Shape broadcast(Shape a, Shape b) {
        int rank = Math.max(a.rank(), b.rank());
        List<Dim> out = new ArrayList<>(rank);
        for (int i = 0; i < rank; i++) {
            int ia = i - (rank - a.rank());
            int ib = i - (rank - b.rank());
            Dim da = ia >= 0 ? a.dims.get(ia) : Dim.of(1);
            Dim db = ib >= 0 ? b.dims.get(ib) : Dim.of(1);
            out.add(broadcastDim(da, db, a, b));
        }
        return new Shape(out);
    }

    private static Dim broadcastDim(Dim da, Dim db, Shape a, Shape b) {
        if (da.equals(db) || db.isOne()) {
            return da;
        }
        if (da.isOne()) {
            return db;
        }
        if (da.isKnown() && db.isKnown()) {
            throw new GraphException("shapes " + a + " and " + b + " do not broadcast");
        }
        if (da.isKnown()) {
            return da;
        }
        if (db.isKnown()) {
            return db;
        }
        return Dim.unknown();
    }

    @Override
    public String toString() {
        return dims.toString();
    }
}
