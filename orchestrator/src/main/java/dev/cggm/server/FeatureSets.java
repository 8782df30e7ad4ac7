package dev.cggm.server;

import dev.cggm.api.v1.FeatureSet;
import dev.cggm.api.v1.FeatureSetModality;
import dev.cggm.api.v1.FeatureSetSplit;
import dev.cggm.api.v1.FeatureSetStatus;
import dev.cggm.api.v1.ListFeatureSetsResponse;
import dev.cggm.features.FeatureException;
import dev.cggm.features.store.StoreManifest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

/**
 * The feature stores in {@code DATA/features/}, described from their manifests, in id order, a
 * page at a time (the token names the last id of the previous page). Directories without a
 * readable manifest are not feature sets and are skipped.
 */
final class FeatureSets {
    private static final int DEFAULT_PAGE = 50;
    private static final int MAX_PAGE = 500;

    private FeatureSets() {
    }

    static ListFeatureSetsResponse list(DataDirectory data, int pageSize, String pageToken) throws IOException {
        if (pageSize < 0) {
            throw ApiErrors.invalid("page_size", "must be >= 0, got " + pageSize);
        }
        int size = pageSize == 0 ? DEFAULT_PAGE : Math.min(pageSize, MAX_PAGE);
        String after = pageToken.isEmpty() ? "" : decode(pageToken);
        List<Path> dirs;
        try (Stream<Path> s = Files.list(data.features())) {
            dirs = s.filter(Files::isDirectory)
                    .filter(d -> d.getFileName().toString().compareTo(after) > 0)
                    .filter(d -> Files.isRegularFile(d.resolve(StoreManifest.FILE)))
                    .sorted()
                    .toList();
        }
        ListFeatureSetsResponse.Builder b = ListFeatureSetsResponse.newBuilder();
        String last = null;
        for (Path d : dirs) {
            if (b.getFeatureSetsCount() == size) {
                b.setNextPageToken(encode(last));
                break;
            }
            FeatureSet fs = describe(data, d);
            if (fs != null) {
                b.addFeatureSets(fs);
                last = d.getFileName().toString();
            }
        }
        return b.build();
    }

    /** A feature store's description, or null when its manifest cannot be read. */
    static FeatureSet describe(DataDirectory data, Path dir) {
        StoreManifest m;
        try {
            m = StoreManifest.read(dir);
        } catch (FeatureException e) {
            return null;
        }
        FeatureSet.Builder b = FeatureSet.newBuilder()
                .setFeatureSetId(dir.getFileName().toString())
                .setPath(data.relative(dir))
                .setStatus(StoreManifest.COMPLETE.equals(m.status()) ? FeatureSetStatus.FEATURE_SET_STATUS_COMPLETE
                        : FeatureSetStatus.FEATURE_SET_STATUS_IN_PROGRESS)
                .setDatasetFormat(m.dataset() == null || m.dataset().format() == null ? "" : m.dataset().format())
                .addAllLabelNames(m.labelNames())
                .setPrecision(m.precision() == null ? "" : m.precision())
                .setTask(m.task().type())
                .setTargetColumn(m.task().target().column());
        if (m.task().target().name() != null) {
            b.setTargetName(m.task().target().name());
        }
        if (m.task().target().range() != null) {
            b.addAllTargetRange(m.task().target().range());
        }
        for (StoreManifest.ModalityInfo mod : m.modalities()) {
            b.addModalities(FeatureSetModality.newBuilder().setName(mod.name())
                    .setEncoder(mod.encoder() == null ? "" : mod.encoder()).addAllShape(mod.shape())
                    .setPooling(mod.pooling() == null ? "" : mod.pooling())
                    .setPretrained(Boolean.TRUE.equals(mod.pretrained()))
                    .setLengthColumn(mod.lengthColumn() == null ? "" : mod.lengthColumn())
                    .setSource(mod.encoder() == null && mod.source() != null ? mod.source() : ""));
        }
        m.splits().forEach((name, s) -> b.addSplits(FeatureSetSplit.newBuilder().setName(name).setSamples(s.samples())
                .setRows(s.rows()).setErrors(s.errors() == null ? 0 : s.errors().size())));
        return b.build();
    }

    private static String encode(String id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("v1:" + id).getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String token) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (raw.startsWith("v1:") && raw.length() > 3) {
                return raw.substring(3);
            }
        } catch (IllegalArgumentException e) {
            // fall through
        }
        throw ApiErrors.invalid("page_token", "not a token this server issued (pass next_page_token as is)");
    }
}
