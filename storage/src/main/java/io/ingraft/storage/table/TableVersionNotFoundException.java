package io.ingraft.storage.table;

import io.ingraft.storage.StorageException;

/**
 * The table exists but the requested version does not: it is beyond the table's HEAD, below 1, or
 * its manifest was removed by a cleanup.
 */
public final class TableVersionNotFoundException extends StorageException {
  private final String table;
  private final long version;

  public TableVersionNotFoundException(String table, long version) {
    super("table " + table + " has no version " + version);
    this.table = table;
    this.version = version;
  }

  /** The table path, relative to the storage root. */
  public String table() {
    return table;
  }

  /** The version that was asked for. */
  public long version() {
    return version;
  }
}
