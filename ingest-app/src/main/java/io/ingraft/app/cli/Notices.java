package io.ingraft.app.cli;

import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the CLI tells the operator outside a command's output (warnings, the fatal error), on
 * stderr. As text ({@code ingraft: ...}) by default; with {@code INGRAFT_LOG_FORMAT=json} through
 * the logger, so that the line is JSON like every other line of the process.
 */
final class Notices {
  private static final Logger LOG = LoggerFactory.getLogger("io.ingraft.cli");

  private Notices() {}

  /** Whether the process logs JSON ({@code INGRAFT_LOG_FORMAT=json}, as the launcher reads it). */
  static boolean json() {
    return "json".equals(System.getenv("INGRAFT_LOG_FORMAT"));
  }

  static void warn(String message) {
    if (json()) {
      LOG.warn(message);
    } else {
      System.err.println("ingraft: warning: " + message);
    }
  }

  /** A line about the input a command reads (such as a skipped line), as is in text mode. */
  static void report(PrintWriter err, String text) {
    if (json()) {
      LOG.warn(text);
    } else {
      err.println(text);
    }
  }

  /** The fatal line of a failed command. */
  static void error(PrintWriter err, String message) {
    if (json()) {
      LOG.error(message);
    } else {
      err.println("ingraft: " + message);
      err.flush();
    }
  }
}
