package io.ingraft.storage.table;

import io.ingraft.storage.StorageException;

/** No Lance table exists at the given path: it was never created, or it was dropped. */
public final class TableNotFoundException extends StorageException {
  private final String table;

  public TableNotFoundException(String table) {
    super("no table at " + table);
    this.table = table;
  }

  /** The table path, relative to the storage root. */
  public String table() {
    return table;
  }
}
