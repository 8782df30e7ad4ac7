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
                ExtractCommand.class,
                BenchCommand.class,
                CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (used by tests, which must not exit the JVM). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
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
