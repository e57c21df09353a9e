package io.ingraft;

/**
 * Root of every exception Ingraft throws on purpose. Each module has its own subtypes, and each
 * subtype carries the facts an operator or a caller needs (table, expected and actual versions,
 * event id, offset) as accessors, so no caller ever has to parse a message.
 */
public abstract class IngraftException extends RuntimeException {
  protected IngraftException(String message) {
    super(message);
  }

  protected IngraftException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Whether the failed work may be retried, or needs an operator. Types that report something
   * unavailable for now override this; anything else stops the work.
   */
  public FailureKind failureKind() {
    return FailureKind.NEEDS_OPERATOR;
  }
}
