package dev.cggm.cli;

import dev.cggm.train.TrainResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code demo --task segmentation}: bad choices stop before any work, and the comparison shows
 * per-region Dice and each modality decoder's Dice side by side (the training itself is
 * SegmentationTrainingTest's and SegmentationEndToEndTest's).
 */
class SegmentationDemoTest {
    @Test
    void badTaskOrVariantStopsBeforeAnythingIsWritten(@TempDir Path tmp) {
        Path out = tmp.resolve("demo");
        CliRunner.Result task = CliRunner.run("demo", "--task", "detection", "--out", out.toString());
        assertEquals(1, task.exitCode());
        assertTrue(task.err().contains("--task must be classification or segmentation"), task.err());
        CliRunner.Result variant = CliRunner.run("demo", "--task", "segmentation", "--variants", "magic", "--out",
                out.toString());
        assertEquals(1, variant.exitCode());
        assertTrue(variant.err().contains("--variants: unknown method 'magic'"), variant.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void theReportPutsTheRegionsAndDecodersOfEachRunSideBySide() {
        Map<String, TrainResult> runs = new LinkedHashMap<>();
        runs.put("joint", result("joint", 0.5, 0.9));
        runs.put("cggm", result("cggm", 0.6, 0.8));
        DemoReport r = SegmentationDemo.report(runs, List.of("flair", "t1ce"), 12);
        String table = r.table();
        assertTrue(table.lines().anyMatch(l -> l.startsWith("test Dice WT (whole tumour)") && l.contains("0.900")
                && l.contains("0.800")), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("mean Dice of the t1ce decoder") && l.contains("0.250")), table);
        assertTrue(r.markdown("files").contains("| test Dice, mean of WT/TC/ET | 0.500 | 0.600 |"), r.markdown("files"));
    }

    private static TrainResult result(String method, double dice, double wt) {
        Map<String, Object> test = Map.of("dice", dice, "dice_wt", wt, "dice_tc", 0.4, "dice_et", 0.3,
                "cls_acc/flair", 0.7, "cls_acc/t1ce", 0.25);
        return new TrainResult("succeeded", method, 3, 4, 40, Map.of(), test, 10, "/runs/" + method, null, 100.0);
    }
}
