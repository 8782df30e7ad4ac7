package dev.cggm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cggm} command line: one verb per job. */
@Command(name = "cggm",
        mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = "Balanced multimodal training (CGGM) on ONNX Runtime.",
        subcommands = {
                ArtifactsCommand.class,
                DemoCommand.class,
                TrainCommand.class,
                CompareCommand.class,
                MethodsCommand.class,
                ExtractCommand.class,
                ImportCommand.class,
                ExportCommand.class,
                PredictCommand.class,
                BenchCommand.class,
                ServeCommand.class,
                CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Stack of the thread the CLI runs on. ONNX Runtime's native initialisation (it starts its
     * telemetry subsystem) needs more stack than a default 1 MB Java thread has left when it is
     * first reached deep inside a command: it overflowed and the JVM died with SIGSEGV.
     */
    static final long STACK_BYTES = 64L << 20;

    public static void main(String[] args) throws InterruptedException {
        StopSignals.install();
        int[] code = {1};
        Thread cli = new Thread(null, () -> code[0] = run(args), "cggm", STACK_BYTES);
        cli.start();
        cli.join();
        System.exit(code[0]);
    }

    /** Runs the CLI and returns the exit code (used by tests, which must not exit the JVM). */
    public static int run(String... args) {
        // initialise ONNX Runtime's environment here, on a shallow stack, before any command needs it
        ai.onnxruntime.OrtEnvironment.getEnvironment();
        CommandLine cli = new CommandLine(new Main());
        MethodFlags.addTo(cli.getSubcommands().get("train").getCommandSpec());
        cli.setExecutionExceptionHandler(new CliErrors());
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"cggm " + dev.cggm.onnx.artifacts.Version.get()};
        }
    }
}
