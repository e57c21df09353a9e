package io.ingraft.storage.manifest;

import java.util.Objects;

/**
 * One table as a manifest version publishes it: the dataset path (relative to the storage root),
 * the Lance version readers must open, and that version's row count.
 */
public record TablePin(String path, long version, long rowCount) {
  public TablePin {
    Objects.requireNonNull(path, "path");
    if (version < 1) {
      throw new IllegalArgumentException("a pinned Lance version is >= 1: " + version);
    }
    if (rowCount < 0) {
      throw new IllegalArgumentException("rowCount must be >= 0: " + rowCount);
    }
  }
}
