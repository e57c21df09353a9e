package io.ingraft.engine;

import io.ingraft.engine.retention.RetentionSchedule;
import io.ingraft.storage.table.TableStats;

/**
 * The housekeeping the owner of a graph does between its batches: when it compacts a table and what
 * it rewrites, and whether it removes old history on a schedule ({@link RetentionSchedule}, off by
 * default). Every append adds a small fragment, and upserts and deletes leave deletion files
 * behind; scans and key lookups slow down with both until they are compacted (docs/storage.md,
 * "Lance 7.0.0 facts": 100 upserts of 10k keys made full scans 9× slower). A table is compacted
 * when more than {@code maxFragments} (plus a per-table spread, see {@link #needsCompaction}) of
 * its fragments hold fewer than {@code smallFragmentRows} rows, or when at least {@code
 * minDeletedRows} stored rows, and more than {@code maxDeletedShare} of them, are deleted. A
 * compaction rewrites only small fragments, by size tier, and those whose own deleted share is past
 * {@code maxDeletedShare} ({@code TableStore#stageCompaction}): its cost stays bounded as the table
 * grows.
 *
 * <p>With {@code stagedInBackground}, a compaction's rewrite (reading and writing the rows, the
 * whole of its cost but the commit) runs on the engine's compaction thread while the graph's
 * batches go on; a later batch of the graph commits it, if the fragments it replaces are still
 * unchanged (only appends came in between); otherwise it is dropped and the table compacts inline
 * from then on. Without it, the batch that finds the table over the limit compacts it before it
 * returns, and the graph's next batch waits for the whole rewrite (hundreds of milliseconds for
 * 100k rows).
 */
public record MaintenancePolicy(
    int maxFragments,
    double maxDeletedShare,
    long minDeletedRows,
    long smallFragmentRows,
    boolean stagedInBackground,
    RetentionSchedule retention) {
  /**
   * 64 small fragments, a fifth deleted (of at least 10k rows); small is below 256k rows; inline
   * (the pipeline stages in the background: {@link #inBackground}).
   */
  public static final MaintenancePolicy DEFAULT =
      new MaintenancePolicy(64, 0.2, 10_000, 256 * 1024, false);

  /** Never compacts on its own (tests, or when an operator schedules maintenance). */
  public static final MaintenancePolicy OFF =
      new MaintenancePolicy(Integer.MAX_VALUE, 1.0, Long.MAX_VALUE, 256 * 1024, false);

  public MaintenancePolicy {
    retention = retention == null ? RetentionSchedule.OFF : retention;
  }

  /** A policy without a retention schedule. */
  public MaintenancePolicy(
      int maxFragments,
      double maxDeletedShare,
      long minDeletedRows,
      long smallFragmentRows,
      boolean stagedInBackground) {
    this(
        maxFragments,
        maxDeletedShare,
        minDeletedRows,
        smallFragmentRows,
        stagedInBackground,
        RetentionSchedule.OFF);
  }

  /** A policy whose compactions run inline, in the batch that finds them needed. */
  public MaintenancePolicy(
      int maxFragments, double maxDeletedShare, long minDeletedRows, long smallFragmentRows) {
    this(maxFragments, maxDeletedShare, minDeletedRows, smallFragmentRows, false);
  }

  /**
   * This policy with its compactions staged in the background; the engine that uses it must be
   * closed ({@link GraphEngine#close}) before its table store.
   */
  public MaintenancePolicy inBackground() {
    return new MaintenancePolicy(
        maxFragments, maxDeletedShare, minDeletedRows, smallFragmentRows, true, retention);
  }

  /**
   * This policy with {@code schedule}: the owner runs {@code graph gc} on each graph it writes on
   * its own thread; the engine that uses it must be closed ({@link GraphEngine#close}) before its
   * table store.
   */
  public MaintenancePolicy withRetention(RetentionSchedule schedule) {
    return new MaintenancePolicy(
        maxFragments,
        maxDeletedShare,
        minDeletedRows,
        smallFragmentRows,
        stagedInBackground,
        schedule);
  }

  /**
   * Whether {@code table} needs compacting. Its small-fragment limit is {@code maxFragments} plus
   * up to half as much again, fixed per table by a hash of its path: graphs fed at the same rate
   * (events spread round-robin over them) would otherwise reach the limit on the same batch and all
   * compact at once, stalling every writer thread together.
   */
  public boolean needsCompaction(String table, TableStats stats) {
    return stats.smallFragments() > fragmentLimit(table)
        || (stats.deletedRows() >= minDeletedRows && stats.deletedShare() > maxDeletedShare);
  }

  /** The small-fragment limit of {@code table}: between maxFragments and 1.5 × maxFragments. */
  public long fragmentLimit(String table) {
    if (maxFragments == Integer.MAX_VALUE) {
      return maxFragments;
    }
    long spread = maxFragments / 2 + 1;
    return maxFragments + Math.floorMod(table.hashCode(), spread);
  }
}
