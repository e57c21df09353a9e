package io.ingraft;

/**
 * What a failure asks of the code that runs the failed work: try again later, or stop that work
 * until an operator has looked. A property of each exception type ({@link
 * IngraftException#failureKind()}), read in one place by whoever schedules the work.
 */
public enum FailureKind {
  /**
   * Something the work depends on is unavailable for now (a broker, the object store, a disk, a
   * lost claim): retrying with a bounded backoff will get through once it is back.
   */
  RETRYABLE,
  /**
   * Retrying cannot help (a stopped recovery sweep, an unknown file format, a broken limit, a bug):
   * stop the work, say why, and wait for an operator.
   */
  NEEDS_OPERATOR
}
