package dev.cggm.server;

import com.google.protobuf.ByteString;
import ai.onnx.proto.OnnxMl.ModelProto;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cggm.api.v1.BundleFile;
import dev.cggm.api.v1.ExportRunResponse;
import dev.cggm.api.v1.ExportedModel;
import dev.cggm.api.v1.TensorInfo;
import dev.cggm.features.store.StoreManifest;
import dev.cggm.export.PipelineBundle;
import dev.cggm.features.encoders.ModelSource;
import dev.cggm.onnx.artifacts.ArtifactManifest;
import dev.cggm.train.run.RunDirectory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A finished run's export as an ExportRun stream: a description first (size, SHA-256, inputs and
 * output, class names), then the file — {@code inference_model.onnx} — in chunks, or for a
 * pipeline bundle each file's {@link BundleFile} followed by its chunks. Files are read as the
 * client takes them (the stream is flow-controlled; no file is held in memory whole).
 */
final class ModelExport implements StreamPump.Source<ExportRunResponse> {
    static final int DEFAULT_CHUNK = 256 << 10;
    static final int MIN_CHUNK = 1 << 10;
    static final int MAX_CHUNK = 1 << 20;

    private final ExportedModel model;
    private final List<Path> files;
    private final boolean announce;
    private final ByteBuffer buffer;
    private boolean describedSent;
    private int current = -1;
    private FileChannel file;
    private boolean announced;
    private boolean eof;

    private ModelExport(ExportedModel model, List<Path> files, boolean announce, int chunkSize) {
        this.model = model;
        this.files = files;
        this.announce = announce;
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
                .setSha256(ModelSource.sha256(onnx))
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
        return new ModelExport(m.build(), List.of(onnx), false, chunkSize);
    }

    /**
     * A pipeline bundle directory (written by {@link PipelineBundle}): the description of its
     * {@code model.onnx} (raw inputs, probabilities, labels from its card) and every file.
     */
    static ModelExport bundle(String runId, Path dir, int bestEpoch, int chunkSize) throws IOException {
        JsonNode card = StoreManifest.JSON.readTree(dir.resolve(PipelineBundle.CARD).toFile());   // labels
        ExportedModel.Builder m = ExportedModel.newBuilder().setRunId(runId).setFileName(PipelineBundle.MODEL)
                .setBestEpoch(bestEpoch);
        card.path("labels").forEach(l -> m.addLabelNames(l.asText()));
        ModelProto proto;
        try (InputStream in = Files.newInputStream(dir.resolve(PipelineBundle.MODEL))) {
            proto = ModelProto.parseFrom(in);
        }
        proto.getGraph().getInputList().forEach(v -> m.addInputs(info(v)));
        proto.getGraph().getOutputList().forEach(v -> m.addOutputs(info(v)));
        List<Path> files = new ArrayList<>();
        for (String f : List.of(PipelineBundle.MODEL, PipelineBundle.TEXT_ENCODER, PipelineBundle.IMAGE_ENCODER,
                PipelineBundle.FUSION_MODEL, PipelineBundle.TOKENIZER, PipelineBundle.PREPROCESSOR, PipelineBundle.CARD)) {
            Path p = dir.resolve(f);
            files.add(p);
            m.addFiles(BundleFile.newBuilder().setPath(f).setSizeBytes(Files.size(p)).setSha256(ModelSource.sha256(p)));
        }
        m.setSizeBytes(m.getFiles(0).getSizeBytes()).setSha256(m.getFiles(0).getSha256());
        return new ModelExport(m.build(), files, true, chunkSize);
    }

    private static TensorInfo info(ai.onnx.proto.OnnxMl.ValueInfoProto v) {
        var t = v.getType().getTensorType();
        TensorInfo.Builder b = TensorInfo.newBuilder().setName(v.getName())
                .setDtype(t.getElemType() == 1 ? "float32" : t.getElemType() == 7 ? "int64" : "type " + t.getElemType());
        t.getShape().getDimList().forEach(d -> b.addShape(d.hasDimValue() ? d.getDimValue() : -1));
        return b.build();
    }

    @Override
    public ExportRunResponse next() throws IOException {
        if (!describedSent) {
            describedSent = true;
            return ExportRunResponse.newBuilder().setModel(model).build();
        }
        if (file == null) {
            if (current + 1 >= files.size()) {
                eof = true;
                return null;
            }
            current++;
            file = FileChannel.open(files.get(current), StandardOpenOption.READ);
            announced = false;
        }
        if (announce && !announced) {
            announced = true;
            return ExportRunResponse.newBuilder().setFile(model.getFiles(current)).build();
        }
        buffer.clear();
        while (buffer.hasRemaining()) {
            if (file.read(buffer) < 0) {
                break;
            }
        }
        buffer.flip();
        if (!buffer.hasRemaining()) {   // this file is done: the next one, or the end
            closeFile();
            return next();
        }
        return ExportRunResponse.newBuilder().setChunk(ByteString.copyFrom(buffer)).build();
    }

    @Override
    public boolean done() {
        return eof && describedSent;
    }

    @Override
    public void close() {
        closeFile();
    }

    private void closeFile() {
        if (file != null) {
            try {
                file.close();
            } catch (IOException ignored) {
                // read-only file
            }
            file = null;
        }
    }
}
