package io.ingraft.storage.manifest;

import io.ingraft.storage.StorageException;

/**
 * A publish lost a race to a version that moved a table this change also touches: the change was
 * planned against a pin that is no longer current. Re-plan against the new manifest.
 */
public final class ExpectedVersionMismatchException extends StorageException {
  private final String graph;
  private final String table;
  private final long expected;
  private final long actual;

  /** Versions are -1 when the table is absent from that manifest. */
  public ExpectedVersionMismatchException(String graph, String table, long expected, long actual) {
    super(
        "graph "
            + graph
            + " table "
            + table
            + ": expected pinned version "
            + expected
            + " but the latest manifest pins "
            + actual);
    this.graph = graph;
    this.table = table;
    this.expected = expected;
    this.actual = actual;
  }

  public String graph() {
    return graph;
  }

  public String table() {
    return table;
  }

  public long expected() {
    return expected;
  }

  public long actual() {
    return actual;
  }

  /** Retryable: another publish won the race: re-read and retry. */
  @Override
  public io.ingraft.FailureKind failureKind() {
    return io.ingraft.FailureKind.RETRYABLE;
  }
}
