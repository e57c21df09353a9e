package io.ingraft.recovery;

import io.ingraft.storage.TableKey;
import java.util.Objects;
import java.util.UUID;

/**
 * One table an operation will commit: where it is, the version the operation pinned and staged
 * against (0 for a table the operation creates), and the transaction uuid minted for its commit
 * before any effect. Recovery finds the commit by that uuid, never by version arithmetic.
 */
public record SidecarTable(String key, String path, long expectedVersion, UUID transactionId) {
  public SidecarTable {
    TableKey.of(key);
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(transactionId, "transactionId");
    if (expectedVersion < 0) {
      throw new IllegalArgumentException("expectedVersion must be >= 0: " + expectedVersion);
    }
  }
}
