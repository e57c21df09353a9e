package io.ingraft.storage.table;

import io.ingraft.storage.StorageException;

/** A create found a table already at the path; the existing table was left untouched. */
public final class TableAlreadyExistsException extends StorageException {
  private final String table;

  public TableAlreadyExistsException(String table) {
    super("a table already exists at " + table);
    this.table = table;
  }

  /** The table path, relative to the storage root. */
  public String table() {
    return table;
  }
}
