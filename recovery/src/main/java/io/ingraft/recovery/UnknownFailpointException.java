package io.ingraft.recovery;

/** A failpoint name that is not in {@link Failpoints#CATALOG}. */
public final class UnknownFailpointException extends RecoveryException {
  private final String name;

  public UnknownFailpointException(String name) {
    super("unknown failpoint '" + name + "'; known: " + Failpoints.CATALOG);
    this.name = name;
  }

  public String name() {
    return name;
  }
}
