package io.ingraft.app.cli;

/**
 * The CLI's exit codes: 0 success, 1 a failed check or operation, 2 a usage error (picocli's), 3
 * the graph or file named does not exist, 4 an invalid configuration setting (or topics that
 * contradict it, such as a source topic whose partition count keyed-by-graph mode cannot use).
 */
final class ExitCodes {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int NOT_FOUND = 3;
  static final int BAD_CONFIG = 4;

  private ExitCodes() {}
}
