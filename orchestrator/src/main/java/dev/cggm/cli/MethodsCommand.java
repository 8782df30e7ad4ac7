package dev.cggm.cli;

import dev.cggm.onnx.models.Architecture;
import dev.cggm.onnx.models.Architectures;
import dev.cggm.train.config.Choice;
import dev.cggm.train.method.MethodDescriptor;
import dev.cggm.train.method.Methods;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code cggm methods}: the balancing methods, their options with defaults, and the architectures. */
@Command(name = "methods", mixinStandardHelpOptions = true,
        description = "List the balancing methods (with their options and defaults for a preset), their variants and the "
                + "architectures.")
final class MethodsCommand implements Callable<Integer> {
    @Option(names = "--preset", defaultValue = "tiny", description = "Show defaults for this preset (default: ${DEFAULT-VALUE}).")
    String preset;

    @Override
    public Integer call() {
        System.out.println("methods (./cggm train --modulation ID [--OPTION VALUE ...]):");
        for (MethodDescriptor<?> d : Methods.all()) {
            System.out.printf("  %-14s %s%n", d.id(), d.summary());
            System.out.printf("  %-14s architectures: %s; %s%n", "", String.join(", ", d.architectures()),
                    d.maxModalities() == Integer.MAX_VALUE ? d.minModalities() + "+ modalities"
                            : d.minModalities() + "-" + d.maxModalities() + " modalities");
            for (MethodDescriptor.Option o : d.options(preset)) {
                String value = o.defaultValue() instanceof Enum<?> e ? Choice.id(e) : String.valueOf(o.defaultValue());
                String choices = o.type().isEnum() ? " {" + String.join("|", Arrays.stream(o.type().getEnumConstants())
                        .map(c -> Choice.id((Enum<?>) c)).toList()) + "}" : "";
                System.out.printf("  %-14s   --%s %s%s  %s%n", "", o.name().replace('_', '-'), value, choices, o.doc());
            }
        }
        System.out.println("variants:");
        Methods.variants().values().forEach(v -> System.out.printf("  %-14s = %s %s%n", v.name(), v.method(), v.options()));
        System.out.println("architectures (--architecture ID):");
        for (Architecture a : Architectures.all()) {
            System.out.printf("  %-14s %s%n", a.id(), a.summary());
        }
        return 0;
    }
}
