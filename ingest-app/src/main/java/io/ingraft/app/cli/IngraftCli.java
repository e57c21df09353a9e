package io.ingraft.app.cli;

import io.ingraft.app.config.InvalidSettingException;
import io.ingraft.app.topology.PartitionCountMismatchException;
import io.ingraft.storage.InvalidNameException;
import io.ingraft.storage.manifest.GraphNotFoundException;
import io.ingraft.storage.manifest.ManifestNotFoundException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ingraft} command line. Every subcommand has {@code --help}; exit codes are in
 * {@link ExitCodes} and docs/operations.md.
 */
@Command(name = "ingraft", mixinStandardHelpOptions = true, version = "ingraft 0.1.0",
    description = "Kafka event streams into versioned property graphs stored as Lance datasets.",
    subcommands = {RunCommand.class, DemoCommand.class, GraphCommand.class, ProduceCommand.class, CdcCommand.class})
public final class IngraftCli {

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns its exit code (for tests and the launcher). */
  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new IngraftCli());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("ingraft: " + e.getMessage());
      if (e instanceof GraphNotFoundException || e instanceof ManifestNotFoundException
          || e instanceof NoSuchFileException) {
        return ExitCodes.NOT_FOUND;
      }
      if (e instanceof InvalidSettingException || e instanceof InvalidNameException
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
