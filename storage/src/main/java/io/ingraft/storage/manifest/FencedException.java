package io.ingraft.storage.manifest;

import io.ingraft.storage.StorageException;

/**
 * The publisher no longer owns the graph: a newer owner published a higher epoch. The publisher
 * must stop writing this graph; whatever it committed to tables is rolled back by the owner.
 */
public final class FencedException extends StorageException {
  private final String graph;
  private final long expectedEpoch;
  private final long actualEpoch;

  public FencedException(String graph, long expectedEpoch, long actualEpoch) {
    super(
        "graph "
            + graph
            + ": writer epoch "
            + expectedEpoch
            + " is fenced by epoch "
            + actualEpoch);
    this.graph = graph;
    this.expectedEpoch = expectedEpoch;
    this.actualEpoch = actualEpoch;
  }

  public String graph() {
    return graph;
  }

  /** The epoch the publisher holds. */
  public long expectedEpoch() {
    return expectedEpoch;
  }

  /** The epoch of the latest manifest. */
  public long actualEpoch() {
    return actualEpoch;
  }

  /** Retryable: a lost claim: the graph is taken over again, or left to its new owner. */
  @Override
  public io.ingraft.FailureKind failureKind() {
    return io.ingraft.FailureKind.RETRYABLE;
  }
}
