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
    // A thread that dies of an exception is logged like everything else (JSON included), not
    // printed by the JVM as plain text.
    Thread.setDefaultUncaughtExceptionHandler(
        (thread, e) ->
            org.slf4j.LoggerFactory.getLogger("io.ingraft.cli")
                .error("uncaught exception in thread {}", thread.getName(), e));
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
    if (Notices.json()) {
      // A usage error is one JSON line too; --help still prints the usage text.
      cli.setParameterExceptionHandler(
          (e, given) -> {
            Notices.error(e.getCommandLine().getErr(), e.getMessage());
            return ExitCodes.USAGE;
          });
    }
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          Notices.error(commandLine.getErr(), describe(e));
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
            if (Notices.json()) {
              // The trace as a JSON line's "throwable", not as plain text.
              org.slf4j.LoggerFactory.getLogger("io.ingraft.cli").error("stack trace", e);
            } else {
              e.printStackTrace(commandLine.getErr());
            }
          }
          return ExitCodes.FAILED;
        });
    return cli.execute(args);
  }

  /**
   * The fatal line's text: the message, never "null" (a message-less exception shows its type), and
   * for a Kafka client failure ("Failed to create new KafkaAdminClient") also its root cause, which
   * is the part that says what to fix.
   */
  static String describe(Throwable e) {
    String message = e.getMessage() != null ? e.getMessage() : e.toString();
    if (e instanceof org.apache.kafka.common.KafkaException && e.getCause() != null) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      message += " (" + root + ")";
    }
    return message;
  }
}
