package io.ingraft.storage.manifest;

import java.util.Objects;

/**
 * The point of a change-data-capture source that a graph version reflects: the source's name
 * (Debezium's {@code topic.prefix}), its log position as a number (a PostgreSQL LSN), the source
 * transaction id, the source's commit time of that transaction (epoch milliseconds, Debezium's
 * {@code source.ts_ms}), and whether the source's initial snapshot was still being loaded. A
 * version published while the snapshot runs holds part of the snapshot only, which {@code
 * snapshotInProgress} says; the version that applies the snapshot's last record is the first one
 * with it false.
 */
public record CdcPosition(
    String source, long lsn, String txId, long commitTimeMs, boolean snapshotInProgress) {

  public CdcPosition {
    Objects.requireNonNull(source, "source");
    if (source.isBlank()) {
      throw new IllegalArgumentException("a CDC position needs its source name");
    }
    if (lsn < 0) {
      throw new IllegalArgumentException("lsn must be >= 0: " + lsn);
    }
  }
}
