package dev.cggm.server;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;

/**
 * How the server stores API messages on disk: proto JSON with the .proto field names
 * (snake_case, as the rest of a run directory), unknown fields ignored on reading so a newer
 * server's files stay readable; files are replaced atomically.
 */
final class ProtoJson {
    static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames();
    static final JsonFormat.Printer LINE_PRINTER = PRINTER.omittingInsignificantWhitespace();
    static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

    private ProtoJson() {
    }

    static String line(Message m) throws InvalidProtocolBufferException {
        return LINE_PRINTER.print(m);
    }

    /** Writes {@code m} to {@code file} via a temporary file and an atomic rename. */
    static void write(Path file, Message m) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, PRINTER.print(m) + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads {@code file} into {@code builder}. */
    static <B extends Message.Builder> B read(Path file, B builder) throws IOException {
        PARSER.merge(Files.readString(file, StandardCharsets.UTF_8), builder);
        return builder;
    }

    static Timestamp now() {
        Instant t = Instant.now();
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }
}
