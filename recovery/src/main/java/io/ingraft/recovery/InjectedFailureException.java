package io.ingraft.recovery;

/** Thrown by an armed failpoint: a deliberate, test-only failure at a named protocol boundary. */
public final class InjectedFailureException extends RecoveryException {
  private final String failpoint;

  public InjectedFailureException(String failpoint) {
    super("injected failure at failpoint " + failpoint);
    this.failpoint = failpoint;
  }

  public String failpoint() {
    return failpoint;
  }

  /** Retryable: stands for a fault of the infrastructure in tests. */
  @Override
  public io.ingraft.FailureKind failureKind() {
    return io.ingraft.FailureKind.RETRYABLE;
  }
}
