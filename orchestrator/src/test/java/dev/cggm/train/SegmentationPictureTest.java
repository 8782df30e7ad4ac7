package dev.cggm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which slices segmentation.png draws, the predicted labels, and the label colours in the picture. */
class SegmentationPictureTest {
    @Test
    void perCaseTheSliceWithTheMostTumourAndTheLargestCasesInRowOrder() {
        List<String> ids = List.of("A/z01", "A/z02", "B/z01", "C/z01", "C/z02", "D/z01");
        List<int[]> counts = List.of(new int[] {5}, new int[] {9}, new int[] {1}, new int[] {7}, new int[] {2},
                new int[] {0});
        // A's best is row 1 (9), C's row 3 (7), B's row 2 (1), D's row 5 (0): the two largest are A and C
        assertArrayEquals(new int[] {1, 3}, SegmentationPicture.choose(ids, counts, 2));
        assertArrayEquals(new int[] {1, 2, 3, 5}, SegmentationPicture.choose(ids, counts, 9));
    }

    @Test
    void argmaxTakesTheFirstLargestScoreOfEachPixel() {
        // 2 pixels, 3 classes, laid out [C, pixels] after an offset of 1
        float[] scores = {99, /* c0 */ 0.1f, 0.5f, /* c1 */ 0.7f, 0.5f, /* c2 */ 0.2f, 0.4f};
        assertArrayEquals(new int[] {1, 0}, SegmentationPicture.argmax(scores, 1, 3, 2));
    }

    @Test
    void labelsAreDrawnInTheirColoursOverTheFirstModality(@TempDir Path tmp) throws Exception {
        int side = 2;
        Map<String, float[]> images = new LinkedHashMap<>();
        images.put("flair", new float[] {0, 0, 0, 0});
        int[] truth = {0, 1, 2, 3};
        Path png = tmp.resolve("segmentation.png");
        SegmentationPicture.write(png, List.of(new SegmentationPicture.Slice("A/z01", images,
                truth, Map.of("prediction", new int[] {3, 3, 3, 3}))), side, "test");
        var img = ImageIO.read(png.toFile());
        int scale = 80;                                   // a 2-pixel slice is drawn 160 px wide
        int tile = side * scale + 4;
        int x0 = 170 + tile;                              // the ground-truth column, after flair
        int y0 = 2 * 28;
        // background: the grey of the (flat) image; label 1 two thirds red
        Color bg = new Color(img.getRGB(x0 + 1, y0 + 1));
        Color core = new Color(img.getRGB(x0 + scale + 1, y0 + 1));
        assertEquals(bg.getRed(), bg.getGreen());
        assertEquals((bg.getRed() + 2 * 230) / 3, core.getRed());
        Color predicted = new Color(img.getRGB(x0 + tile + 1, y0 + 1));
        assertEquals((bg.getBlue() + 2 * 30) / 3, predicted.getBlue(), "enhancing tumour yellow in the prediction column");
    }
}
