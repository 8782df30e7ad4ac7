package dev.cggm.server;

import com.google.protobuf.ByteString;
import dev.cggm.api.v1.ExportRunResponse;
import dev.cggm.api.v1.ExportedModel;
import dev.cggm.api.v1.TensorInfo;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.train.run.RunDirectory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A finished run's {@code inference_model.onnx} as an ExportRun stream: a description first
 * (size, SHA-256, inputs and output, class names), then the file in chunks, read as the client
 * takes them (the stream is flow-controlled; the file is never held in memory whole).
 */
final class ModelExport implements StreamPump.Source<ExportRunResponse> {
    static final int DEFAULT_CHUNK = 256 << 10;
    static final int MIN_CHUNK = 1 << 10;
    static final int MAX_CHUNK = 1 << 20;

    private final ExportedModel model;
    private final FileChannel file;
    private final ByteBuffer buffer;
    private boolean describedSent;
    private boolean eof;

    private ModelExport(ExportedModel model, FileChannel file, int chunkSize) {
        this.model = model;
        this.file = file;
        this.buffer = ByteBuffer.allocate(chunkSize);
    }

    /** Opens the run's exported model; the file is read while streaming. */
    static ModelExport open(String runId, Path runDir, int bestEpoch, Path features, int chunkSize) throws IOException {
        RunDirectory run = RunDirectory.open(runDir);
        Path onnx = run.inferenceModel();
        ArtifactManifest manifest = ArtifactManifest.read(run.artifacts());
        ExportedModel.Builder m = ExportedModel.newBuilder()
                .setRunId(runId)
                .setFileName(onnx.getFileName().toString())
                .setSizeBytes(Files.size(onnx))
                .setSha256(sha256(onnx))
                .setBestEpoch(bestEpoch);
        for (ArtifactManifest.TensorSpec in : manifest.inputs()) {
            if ("modality".equals(in.role())) {
                TensorInfo.Builder t = TensorInfo.newBuilder().setName(in.name()).setDtype(in.dtype());
                in.shape().forEach(d -> t.addShape(d instanceof Number n ? n.longValue() : -1));
                m.addInputs(t);
            }
        }
        var cfg = manifest.config();
        m.addOutputs(TensorInfo.newBuilder().setName(manifest.outputs().output()).setDtype("float32").addShape(-1)
                .addShape(cfg.outputDim()));
        try {
            m.addAllLabelNames(StoreManifest.read(features).labelNames());
        } catch (RuntimeException e) {
            // the feature store is gone: the model is still exportable, without class names
        }
        return new ModelExport(m.build(), FileChannel.open(onnx, StandardOpenOption.READ), chunkSize);
    }

    @Override
    public ExportRunResponse next() throws IOException {
        if (!describedSent) {
            describedSent = true;
            return ExportRunResponse.newBuilder().setModel(model).build();
        }
        buffer.clear();
        while (buffer.hasRemaining()) {
            if (file.read(buffer) < 0) {
                eof = true;
                break;
            }
        }
        buffer.flip();
        if (!buffer.hasRemaining()) {
            return null; // at the end: done() is now true
        }
        return ExportRunResponse.newBuilder().setChunk(ByteString.copyFrom(buffer)).build();
    }

    @Override
    public boolean done() {
        return eof && describedSent;
    }

    @Override
    public void close() {
        try {
            file.close();
        } catch (IOException ignored) {
            // read-only file
        }
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
