package io.ingraft.storage.table;

import io.ingraft.storage.StorageException;

/**
 * A scan request is wrong: an unknown column, or a filter that is not valid SQL for the table.
 * Retrying it unchanged cannot help.
 */
public final class InvalidScanException extends StorageException {
  private final String table;
  private final String reason;

  public InvalidScanException(String table, String reason) {
    super("invalid scan of table " + table + ": " + reason);
    this.table = table;
    this.reason = reason;
  }

  public InvalidScanException(String table, String reason, Throwable cause) {
    super("invalid scan of table " + table + ": " + reason, cause);
    this.table = table;
    this.reason = reason;
  }

  /** The table path, relative to the storage root. */
  public String table() {
    return table;
  }

  /** What is wrong with the request, for humans. */
  public String reason() {
    return reason;
  }
}
