package dev.cggm.server;

import dev.cggm.api.v1.JobState;
import dev.cggm.api.v1.LogMessage;
import dev.cggm.api.v1.RunEvent;
import dev.cggm.api.v1.StateChange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event log's file contract: numbering, reopening, torn last lines, corruption, subscriptions. */
class EventLogTest {
    private static RunEvent message(String text) {
        return RunEvent.newBuilder().setMessage(LogMessage.newBuilder().setText(text)).build();
    }

    private static RunEvent state(JobState s) {
        return RunEvent.newBuilder().setStateChange(StateChange.newBuilder().setState(s)).build();
    }

    @Test
    void eventsAreNumberedPersistedAndReadBackIdentically(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("events.jsonl");
        AtomicInteger woken = new AtomicInteger();
        RunEvent a;
        RunEvent b;
        try (EventLog<RunEvent> log = EventLog.open(file, RunJob.EVENTS)) {
            Runnable unsubscribe = log.subscribe(woken::incrementAndGet);
            a = log.append(message("one"));
            b = log.append(message("two"));
            unsubscribe.run();
            log.append(state(JobState.JOB_STATE_SUCCEEDED));
            assertEquals(2, woken.get());
            assertEquals(1, a.getSequence());
            assertEquals(2, b.getSequence());
            assertTrue(a.hasTime());
            assertTrue(log.ended());
            assertNull(log.get(4));
        }
        try (EventLog<RunEvent> log = EventLog.open(file, RunJob.EVENTS)) {
            assertEquals(3, log.lastSequence());
            assertEquals(a, log.get(1));
            assertEquals(b, log.get(2));
            assertTrue(log.ended());
        }
        assertEquals(3, Files.readAllLines(file).size());
    }

    @Test
    void aTornLastLineIsDroppedAndNumberingContinuesAfterTheLastWholeEvent(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("events.jsonl");
        try (EventLog<RunEvent> log = EventLog.open(file, RunJob.EVENTS)) {
            log.append(message("one"));
            log.append(message("two"));
        }
        String whole = Files.readString(file);
        Files.writeString(file, "{\"sequence\":\"3\",\"time\":\"2025-01-01T00:00", StandardOpenOption.APPEND);
        try (EventLog<RunEvent> log = EventLog.open(file, RunJob.EVENTS)) {
            assertEquals(2, log.lastSequence());
            assertEquals(whole, Files.readString(file), "the torn line is cut off");
            assertEquals(3, log.append(message("three")).getSequence());
            assertFalse(log.ended());
        }
        // a whole last event that lost only its newline is kept
        String all = Files.readString(file);
        Files.writeString(file, all.substring(0, all.length() - 1));
        try (EventLog<RunEvent> log = EventLog.open(file, RunJob.EVENTS)) {
            assertEquals(3, log.lastSequence());
            assertEquals(4, log.append(message("four")).getSequence());
        }
        assertEquals(List.of(1L, 2L, 3L, 4L), Files.readAllLines(file).stream()
                .map(l -> Long.parseLong(l.replaceAll(".*\"sequence\":\"(\\d+)\".*", "$1"))).toList());
    }

    @Test
    void aCorruptOrMisnumberedLineInTheMiddleIsAnErrorNamingIt(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("events.jsonl");
        try (EventLog<RunEvent> log = EventLog.open(file, RunJob.EVENTS)) {
            log.append(message("one"));
            log.append(message("two"));
        }
        List<String> lines = Files.readAllLines(file);
        Files.write(file, List.of(lines.get(0), "not json", lines.get(1)), StandardCharsets.UTF_8);
        IOException e = assertThrows(IOException.class, () -> EventLog.open(file, RunJob.EVENTS));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        Files.write(file, List.of(lines.get(1)), StandardCharsets.UTF_8);
        e = assertThrows(IOException.class, () -> EventLog.open(file, RunJob.EVENTS));
        assertTrue(e.getMessage().contains("expected 1"), e.getMessage());
    }
}
