package dev.cggm.train.method.igm;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IGM's alternating schedule. */
class IgmStagesTest {
    /** "stage:modality" of every epoch. */
    static List<String> trace(IgmStages s, int epochs) {
        List<String> out = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            IgmStages.Stage st = s.at(e);
            out.add(st.index() + ":" + st.modality());
        }
        return out;
    }

    @Test
    void twoModalitiesWithTheirOwnLengths() {
        // CREMA-D's [25, 50] pattern, scaled down to [2, 3]
        IgmStages s = IgmStages.of(List.of(2, 3), 2);
        assertEquals(List.of("0:0", "0:0", "1:1", "1:1", "1:1", "2:0", "2:0", "3:1", "3:1", "3:1", "4:0"), trace(s, 11));
        IgmStages.Stage third = s.at(6);
        assertEquals(5, third.firstEpoch());
        assertEquals(1, third.epochInStage(6));
        assertTrue(s.at(5).startsAt(5));
        assertFalse(s.at(6).startsAt(6));
    }

    @Test
    void threeModalitiesCycle() {
        IgmStages s = IgmStages.of(List.of(1, 2, 1), 3);
        assertEquals(List.of("0:0", "1:1", "1:1", "2:2", "3:0", "4:1", "4:1", "5:2", "6:0"), trace(s, 9));
    }

    @Test
    void oneLengthServesEveryModality() {
        assertEquals(List.of("0:0", "1:1", "2:2", "3:0"), trace(IgmStages.of(List.of(1), 3), 4));
        assertEquals(List.of(4, 4), IgmStages.of(List.of(4), 2).lengths());
    }

    @Test
    void theDefaultIsTwoCyclesOfTheRun() {
        // 10 epochs, 2 modalities: stages of 2; 3 modalities: of 1 (10 / 6), cycling on
        assertEquals(List.of(2, 2), IgmStages.auto(10, 2).lengths());
        assertEquals(List.of("0:0", "0:0", "1:1", "1:1", "2:0", "2:0", "3:1", "3:1", "4:0", "4:0"),
                trace(IgmStages.auto(10, 2), 10));
        assertEquals(List.of(1, 1, 1), IgmStages.auto(10, 3).lengths());
        assertEquals(List.of(1, 1), IgmStages.auto(2, 2).lengths(), "at least one epoch per stage");
        assertEquals(List.of(15, 15), IgmStages.auto(60, 2).lengths());
    }

    @Test
    void badLengthsAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> IgmStages.of(List.of(1, 2), 3));
        assertTrue(e.getMessage().contains("stage_epochs has 2 values but the model has 3 modalities"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> IgmStages.of(List.of(0), 2));
        assertThrows(IllegalArgumentException.class, () -> IgmStages.of(List.of(2), 2).at(-1));
    }
}
