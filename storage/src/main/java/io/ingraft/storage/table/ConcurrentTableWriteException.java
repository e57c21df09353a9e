package io.ingraft.storage.table;

import io.ingraft.storage.StorageException;

/**
 * Another writer moved a table under a commit: the commit did not land exactly on top of the
 * version it was staged against. Two situations with two recoveries, so two types: {@link
 * TableMovedException} (nothing of ours was committed: re-read and stage again) and {@link
 * CommittedAtOtherVersionException} (our commit is in the table, at another version: the recovery
 * sweep must decide it before anything else is written). Catch this base type only where both lead
 * to the same action.
 */
public abstract sealed class ConcurrentTableWriteException extends StorageException
    permits TableMovedException, CommittedAtOtherVersionException {
  private final String table;
  private final long expected;
  private final long actual;

  ConcurrentTableWriteException(
      String message, String table, long expected, long actual, Throwable cause) {
    super(message, cause);
    this.table = table;
    this.expected = expected;
    this.actual = actual;
  }

  /** The table path, relative to the storage root. */
  public String table() {
    return table;
  }

  /** The version the caller expected: HEAD before the commit, or the new version after it. */
  public long expected() {
    return expected;
  }

  /** The version found instead (-1 when it could not be read). */
  public long actual() {
    return actual;
  }

  /** Retryable: the retry re-reads the graph (and sweeps it first). */
  @Override
  public io.ingraft.FailureKind failureKind() {
    return io.ingraft.FailureKind.RETRYABLE;
  }
}
