package dev.cggm.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.cggm.features.store.StoreManifest;

import java.io.UncheckedIOException;

/** A manifest as JSON text and back, to ship it to executors. */
final class StoreManifests {
    private StoreManifests() {
    }

    static String json(StoreManifest m) {
        try {
            return StoreManifest.JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static StoreManifest parse(String json) {
        try {
            return StoreManifest.JSON.readValue(json, StoreManifest.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
