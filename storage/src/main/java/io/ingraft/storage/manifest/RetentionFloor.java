package io.ingraft.storage.manifest;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Where a graph's manifest history starts after {@code graph gc} dropped older versions, stored at
 * {@code graphs/<id>/_manifest_floor.json} before any version is deleted. It also carries forward
 * the two facts readers used to find in the dropped versions: the source offsets at the graph's
 * creation (version 1), which decide whether a replayed event predates the graph, and the CDC
 * position the oldest kept version reflects, which may have been recorded by an older version.
 *
 * @param oldestKept the oldest manifest version kept; every version below it is (being) deleted
 * @param createdSources the source partitions' next offsets recorded by version 1, the graph's
 *     creation (empty when version 1 was not a creation or was already gone)
 * @param cdc the CDC position the oldest kept version reflects, or null when none
 * @param time when the floor was set
 */
public record RetentionFloor(
    long oldestKept, Map<String, Long> createdSources, CdcPosition cdc, Instant time) {
  public RetentionFloor {
    if (oldestKept < 1) {
      throw new IllegalArgumentException("oldestKept must be >= 1: " + oldestKept);
    }
    createdSources = Map.copyOf(createdSources == null ? Map.of() : createdSources);
    Objects.requireNonNull(time, "time");
  }
}
