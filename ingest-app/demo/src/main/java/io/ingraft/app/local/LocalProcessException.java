package io.ingraft.app.local;

import io.ingraft.app.AppException;
import java.nio.file.Path;

/**
 * A local third-party program (PostgreSQL, a Kafka Connect worker) failed to start, stop or run a
 * command: which program, and the file holding its output for the details.
 */
public final class LocalProcessException extends AppException {
  private final String program;
  private final Path log;

  public LocalProcessException(String program, String message, Path log) {
    super(program + ": " + message + (log == null ? "" : " (output: " + log + ")"));
    this.program = program;
    this.log = log;
  }

  public LocalProcessException(String program, String message, Path log, Throwable cause) {
    super(program + ": " + message + (log == null ? "" : " (output: " + log + ")"), cause);
    this.program = program;
    this.log = log;
  }

  /** The program: {@code initdb}, {@code pg_ctl}, {@code psql}, {@code connect}. */
  public String program() {
    return program;
  }

  /** The file with the program's output, or null. */
  public Path log() {
    return log;
  }
}
