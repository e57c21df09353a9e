package io.ingraft.storage.table;

import io.ingraft.FailureKind;
import io.ingraft.storage.StorageException;

/**
 * Lance cannot decode data a table already holds: a data file or deletion file of a committed
 * version fails to read back. Retrying reads the same bytes and fails the same way, so the work
 * that needs the table stops for an operator. Lance 7.0.0 writes such data files in its 2.1 file
 * format for a nullable list column with one long list among many null ones (docs/storage.md,
 * "Lance 7.0.0 facts"; tables created by Ingraft use the 2.0 format, which does not), and on a full
 * local volume it has reported as written a deletion file that came out cut off
 * (docs/guarantees.md; Ingraft now reads each new file back before a commit, {@link
 * IncompleteFileException}).
 */
public final class UnreadableTableDataException extends StorageException {
  private final String table;
  private final String operation;

  public UnreadableTableDataException(String table, String operation, Throwable cause) {
    super(
        operation
            + " of table "
            + table
            + ": Lance cannot decode the table's data (a file it wrote cannot be read back): "
            + cause.getMessage(),
        cause);
    this.table = table;
    this.operation = operation;
  }

  /** The table path, relative to the storage root. */
  public String table() {
    return table;
  }

  /** What was reading the table: a scan, a compaction, a rewrite. */
  public String operation() {
    return operation;
  }

  /** Needs an operator: the same bytes fail the same way on every attempt. */
  @Override
  public FailureKind failureKind() {
    return FailureKind.NEEDS_OPERATOR;
  }
}
