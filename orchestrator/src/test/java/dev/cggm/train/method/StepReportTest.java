package dev.cggm.train.method;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StepReportTest {
    /** A resumed run's log lines equal an uninterrupted run's only if the order does not depend on the map given. */
    @Test
    void figuresAreInNameOrderWhateverOrderTheyCameIn() {
        Map<String, Double> given = new LinkedHashMap<>();
        given.put("stage", 1.0);
        given.put("distill", 0.5);
        given.put("coeff/text", 0.9);
        assertEquals(List.of("coeff/text", "distill", "stage"), List.copyOf(new StepReport(given, 0).metrics().keySet()));
    }

    @Test
    void combinedReportsKeepNameOrderAddTheirLossesAndTheLaterWins() {
        StepReport r = new StepReport(Map.of("stage", 0.0, "l_gm", 2.0), 0.25).and(new StepReport(Map.of("stage", 1.0,
                "coeff/image", 0.5), 0.5));
        assertEquals(List.of("coeff/image", "l_gm", "stage"), List.copyOf(r.metrics().keySet()));
        assertEquals(1.0, r.metrics().get("stage"));
        assertEquals(0.75, r.addedLoss());
    }
}
