package dev.cggm.cli;

import dev.cggm.export.PipelineBundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code cggm export}: a finished run as a pipeline bundle (raw text and pixels in, predictions out). */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export a finished run as a self-describing bundle for pipelines: model.onnx (raw "
                + "input_ids/attention_mask/pixel_values through both encoders, the store's pooling and precision, "
                + "and the trained model to class probabilities), each encoder on its own, tokenizer.json, "
                + "preprocessor_config.json and the model card model.json."})
final class ExportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN", description = "The run directory (as written by train or demo).")
    Path run;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Bundle directory (new or empty).")
    Path out;

    @Option(names = "--features", paramLabel = "STORE",
            description = "The feature store the run trained on (default: the one its config.json names).")
    Path features;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        PipelineBundle.Result r = PipelineBundle.export(run, features, out);
        System.out.printf(Locale.ROOT, "exported %s to %s (%.1f s)%n", run, r.dir(), (System.nanoTime() - t0) / 1e9);
        for (PipelineBundle.BundleFile f : r.files()) {
            System.out.printf(Locale.ROOT, "  %-26s %10.1f KiB  sha256 %s%n", f.name(), f.size() / 1024.0, f.sha256());
        }
        return 0;
    }
}
