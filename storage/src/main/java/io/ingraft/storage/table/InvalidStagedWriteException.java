package io.ingraft.storage.table;

import io.ingraft.storage.StorageException;

/**
 * A write request is wrong and retrying it unchanged cannot help: duplicate keys inside one batch,
 * a read version below 1 (0 is only for a staged create), an unknown or unsupported key column,
 * rows whose schema does not match the table, a rewrite schema that drops or retypes a column or
 * adds a non-nullable one. Thrown before anything is committed; files already staged for the
 * request (if any) are orphans that a later cleanup removes.
 */
public final class InvalidStagedWriteException extends StorageException {
  private final String table;
  private final String reason;

  public InvalidStagedWriteException(String table, String reason) {
    super("invalid write to table " + table + ": " + reason);
    this.table = table;
    this.reason = reason;
  }

  public InvalidStagedWriteException(String table, String reason, Throwable cause) {
    super("invalid write to table " + table + ": " + reason, cause);
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
