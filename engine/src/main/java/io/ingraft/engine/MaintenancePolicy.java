package io.ingraft.engine;

import io.ingraft.storage.table.TableStats;

/**
 * When the owner compacts a table between batches: when it is spread over more than
 * {@code maxFragments} fragments, or when at least {@code minDeletedRows} stored rows, and more
 * than {@code maxDeletedShare} of them, are deleted. Upserts and deletes leave deletion files
 * behind, and scans and key lookups slow down with them until the table is rewritten
 * (research/lance-upsert.md: 100 upserts of 10k keys made full scans 9× slower).
 */
public record MaintenancePolicy(int maxFragments, double maxDeletedShare, long minDeletedRows) {
  public static final MaintenancePolicy DEFAULT = new MaintenancePolicy(64, 0.2, 10_000);
  /** Never compacts on its own (tests, or when an operator schedules maintenance). */
  public static final MaintenancePolicy OFF =
      new MaintenancePolicy(Integer.MAX_VALUE, 1.0, Long.MAX_VALUE);

  public boolean needsCompaction(TableStats stats) {
    return stats.fragments() > maxFragments
        || (stats.deletedRows() >= minDeletedRows && stats.deletedShare() > maxDeletedShare);
  }
}
