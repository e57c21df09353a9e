package io.ingraft.app.cli;

import io.ingraft.app.config.InvalidSettingException;
import io.ingraft.app.topology.PartitionCountMismatchException;
import io.ingraft.storage.InvalidNameException;
import io.ingraft.storage.manifest.AmbiguousSourceException;
import io.ingraft.storage.manifest.GraphNotFoundException;
import io.ingraft.storage.manifest.ManifestNotFoundException;
import io.ingraft.storage.manifest.NoMatchingVersionException;
import java.nio.file.NoSuchFileException;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ingraft} command line. Every subcommand has {@code --help}; exit codes are in {@link
 * ExitCodes} and docs/operations.md. Subcommands of optional parts of the distribution come in as
 * {@link AddOnCommand}s.
 */
@Command(
    name = "ingraft",
    mixinStandardHelpOptions = true,
    version = "ingraft 0.1.0",
    description = "Kafka event streams into versioned property graphs stored as Lance datasets.",
    subcommands = {RunCommand.class, GraphCommand.class, ProduceCommand.class, CdcCommand.class})
public final class IngraftCli {

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns its exit code (for tests and the launcher). */
  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new IngraftCli());
    // Optional parts of the distribution (the demo, lib/demo/) are on the classpath only when
    // the launcher puts them there.
    for (AddOnCommand command : ServiceLoader.load(AddOnCommand.class)) {
      cli.addSubcommand(command);
    }
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          commandLine.getErr().println("ingraft: " + e.getMessage());
          if (e instanceof GraphNotFoundException
              || e instanceof ManifestNotFoundException
              || e instanceof NoMatchingVersionException
              || e instanceof NoSuchFileException) {
            return ExitCodes.NOT_FOUND;
          }
          if (e instanceof AmbiguousSourceException) {
            return ExitCodes.USAGE;
          }
          if (e instanceof InvalidSettingException
              || e instanceof InvalidNameException
              || e instanceof PartitionCountMismatchException) {
            return ExitCodes.BAD_CONFIG;
          }
          if (System.getenv("INGRAFT_DEBUG") != null) {
            e.printStackTrace(commandLine.getErr());
          }
          return ExitCodes.FAILED;
        });
    return cli.execute(args);
  }
}
