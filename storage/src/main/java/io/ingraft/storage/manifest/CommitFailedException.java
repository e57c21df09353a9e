package io.ingraft.storage.manifest;

import io.ingraft.storage.StorageException;

/**
 * A publish kept losing races to other publishers and ran out of its retry budget. Nothing was
 * published; retrying later is safe.
 */
public final class CommitFailedException extends StorageException {
  private final String graph;
  private final long baseVersion;
  private final int attempts;

  public CommitFailedException(String graph, long baseVersion, int attempts) {
    super(
        "graph "
            + graph
            + ": publish on base version "
            + baseVersion
            + " lost "
            + attempts
            + " races, giving up");
    this.graph = graph;
    this.baseVersion = baseVersion;
    this.attempts = attempts;
  }

  public String graph() {
    return graph;
  }

  public long baseVersion() {
    return baseVersion;
  }

  public int attempts() {
    return attempts;
  }

  /** Retryable: a publish that could not get through: retried with backoff. */
  @Override
  public io.ingraft.FailureKind failureKind() {
    return io.ingraft.FailureKind.RETRYABLE;
  }
}
