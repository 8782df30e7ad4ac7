package dev.cggm.server;

import dev.cggm.api.v1.Metrics;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer's records as API messages: a non-finite figure is left unset, never reported as 0. */
class RunRecordsTest {
    @Test
    void nonFiniteMetricsAreUnsetNotZero() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("val_loss", Double.NaN);
        r.put("val_acc", 0.5);
        r.put("val_f1_macro", Double.POSITIVE_INFINITY);
        r.put("val_cls_acc/text", 0.75);
        r.put("val_imbalance", Double.NaN);
        Metrics m = RunRecords.metrics(r, "val_");
        assertFalse(m.hasLoss(), "a NaN loss is unset: " + m);
        assertFalse(m.hasImbalance(), "a NaN imbalance is unset: " + m);
        assertEquals(Map.of("acc", 0.5), m.getTaskMetricsMap());
        assertEquals(Map.of("text", 0.75), m.getClassifierAccuracyMap());
    }

    @Test
    void aZeroLossIsReportedAsSet() {
        Metrics m = RunRecords.metrics(Map.of("loss", 0.0, "imbalance", 0.0), "");
        assertTrue(m.hasLoss() && m.getLoss() == 0.0);
        assertTrue(m.hasImbalance());
    }
}
