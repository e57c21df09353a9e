package io.ingraft.engine.retention;

import java.util.List;

/**
 * What one {@link GraphGc} run over a graph removed, or in a dry run would remove.
 *
 * @param graph the graph id
 * @param dryRun true when nothing was deleted
 * @param latestVersion the latest manifest version when the run started
 * @param oldestKept the oldest manifest version kept
 * @param manifests the manifest versions dropped
 * @param tables per table: Lance versions and unreferenced staged files removed
 */
public record GcReport(
    String graph,
    boolean dryRun,
    long latestVersion,
    long oldestKept,
    DroppedManifests manifests,
    List<TableGc> tables) {

  public GcReport {
    tables = List.copyOf(tables);
  }

  /** Manifest versions {@code from..to} (none when count is 0), and their bytes. */
  public record DroppedManifests(long count, Long from, Long to, long bytes) {}

  /**
   * One table's part.
   *
   * @param table the table's path under the storage root
   * @param floor the oldest Lance version kept (the lowest pin of any kept manifest or pending
   *     sidecar)
   * @param versionsRemoved Lance versions removed below the floor
   * @param versionBytes bytes those freed (Lance's count; in a dry run the data files only they
   *     reference)
   * @param orphansRemoved unreferenced staged data files deleted
   * @param orphanBytes their bytes
   * @param orphansKept unreferenced files left alone: too young, or the table has a pending sidecar
   * @param note why orphans were left alone, or null
   */
  public record TableGc(
      String table,
      long floor,
      long versionsRemoved,
      long versionBytes,
      long orphansRemoved,
      long orphanBytes,
      long orphansKept,
      String note) {}

  /** Every byte this run freed (or would free). */
  public long bytesFreed() {
    return manifests.bytes()
        + tables.stream().mapToLong(t -> t.versionBytes() + t.orphanBytes()).sum();
  }
}
