package dev.cggm.server;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A job's history: an append-only log of events numbered 1, 2, 3, … without gaps, stored as
 * {@code events.jsonl} (one proto-JSON event per line). Each append is written and flushed
 * before anyone is told about it, so a killed process loses no event a client has seen; a torn
 * last line is dropped when the log is opened again, and numbering continues after the last
 * whole event. Readers fetch events by sequence from memory and subscribe to hear of appends.
 *
 * @param <E> the job's event message (RunEvent, ExtractionEvent)
 */
final class EventLog<E extends Message> implements AutoCloseable {
    /** What the log needs to know about its event type. */
    interface Kind<E extends Message> {
        /** An empty event, to parse lines into. */
        E defaultInstance();

        /** {@code event} with its sequence and time set. */
        E stamp(E event, long sequence, Timestamp time);

        long sequence(E event);

        /** Whether the event puts the job in a terminal state (nothing follows it). */
        boolean terminal(E event);
    }

    private final Path file;
    private final Kind<E> kind;
    private final List<E> events;
    private final List<Runnable> subscribers = new CopyOnWriteArrayList<>();
    private BufferedWriter out;
    private boolean closed;

    private EventLog(Path file, Kind<E> kind, List<E> events) {
        this.file = file;
        this.kind = kind;
        this.events = events;
    }

    /** Opens (or creates) a log, reading what it holds. */
    static <E extends Message> EventLog<E> open(Path file, Kind<E> kind) throws IOException {
        List<E> events = new ArrayList<>();
        if (Files.exists(file)) {
            byte[] bytes = Files.readAllBytes(file);
            int start = 0;
            int lineNo = 0;
            while (start < bytes.length) {
                int end = start;
                while (end < bytes.length && bytes[end] != '\n') {
                    end++;
                }
                lineNo++;
                boolean whole = end < bytes.length;
                String line = new String(bytes, start, end - start, StandardCharsets.UTF_8);
                E event;
                try {
                    event = parse(line, kind);
                } catch (InvalidProtocolBufferException e) {
                    if (whole) {
                        throw new IOException(file + " line " + lineNo + " is not a valid event: " + e.getMessage());
                    }
                    truncate(file, start); // torn by a crash mid-write: never acknowledged, drop it
                    break;
                }
                if (kind.sequence(event) != events.size() + 1) {
                    throw new IOException(file + " line " + lineNo + " has sequence " + kind.sequence(event)
                            + ", expected " + (events.size() + 1));
                }
                events.add(event);
                if (!whole) {
                    Files.writeString(file, "\n", StandardOpenOption.APPEND); // whole event, newline lost
                }
                start = end + 1;
            }
        }
        return new EventLog<>(file, kind, events);
    }

    private static <E extends Message> E parse(String line, Kind<E> kind) throws InvalidProtocolBufferException {
        Message.Builder b = kind.defaultInstance().newBuilderForType();
        ProtoJson.PARSER.merge(line, b);
        @SuppressWarnings("unchecked")
        E e = (E) b.build();
        return e;
    }

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
            ch.force(true);
        }
    }

    /** Numbers, times, writes and publishes an event; returns it as stored. */
    E append(E event) throws IOException {
        E stamped;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("event log " + file + " is closed");
            }
            stamped = kind.stamp(event, events.size() + 1L, ProtoJson.now());
            if (out == null) {
                out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            }
            out.write(ProtoJson.line(stamped));
            out.write('\n');
            out.flush();
            events.add(stamped);
        }
        for (Runnable s : subscribers) {
            s.run();
        }
        return stamped;
    }

    /** The event with this sequence, or null when it has not happened yet. */
    synchronized E get(long sequence) {
        return sequence >= 1 && sequence <= events.size() ? events.get((int) (sequence - 1)) : null;
    }

    synchronized long lastSequence() {
        return events.size();
    }

    synchronized E last() {
        return events.isEmpty() ? null : events.get(events.size() - 1);
    }

    /** Whether the log ends with a terminal event: no more will come. */
    synchronized boolean ended() {
        return !events.isEmpty() && kind.terminal(events.get(events.size() - 1));
    }

    /** Calls {@code onAppend} after every append, until the returned handle is run. */
    Runnable subscribe(Runnable onAppend) {
        subscribers.add(onAppend);
        return () -> subscribers.remove(onAppend);
    }

    int subscriberCount() {
        return subscribers.size();
    }

    @Override
    public synchronized void close() throws IOException {
        closed = true;
        if (out != null) {
            out.close();
        }
    }
}
