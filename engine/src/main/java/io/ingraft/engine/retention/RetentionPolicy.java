package io.ingraft.engine.retention;

import java.time.Duration;

/**
 * How much history {@link GraphGc} keeps. A manifest version is kept when either rule keeps it: it
 * is among the newest {@code keepLast} versions, or it was published within {@code keepFor} of now.
 * A null rule keeps nothing by itself; at least one rule must be set, and the latest version is
 * always kept. Unreferenced staged files are removed only once they are {@code orphanMinAge} old
 * (docs/storage.md, "Housekeeping").
 *
 * @param keepLast the number of newest versions to keep (at least 1), or null
 * @param keepFor how long back from now versions are kept, or null
 * @param orphanMinAge how old an unreferenced data file must be before it is deleted
 */
public record RetentionPolicy(Integer keepLast, Duration keepFor, Duration orphanMinAge) {
  /** Without explicit rules: the last 10 versions and everything of the last 7 days. */
  public static final int DEFAULT_KEEP_LAST = 10;

  public static final Duration DEFAULT_KEEP_FOR = Duration.ofDays(7);

  /** Staged files younger than this may belong to a writer that has not committed them yet. */
  public static final Duration DEFAULT_ORPHAN_MIN_AGE = Duration.ofHours(24);

  public RetentionPolicy {
    if (keepLast == null && keepFor == null) {
      throw new IllegalArgumentException("a retention needs keepLast, keepFor or both");
    }
    if (keepLast != null && keepLast < 1) {
      throw new IllegalArgumentException("keepLast must be at least 1: " + keepLast);
    }
    if (keepFor != null && keepFor.isNegative()) {
      throw new IllegalArgumentException("keepFor must not be negative: " + keepFor);
    }
    orphanMinAge = orphanMinAge == null ? DEFAULT_ORPHAN_MIN_AGE : orphanMinAge;
    if (orphanMinAge.isNegative()) {
      throw new IllegalArgumentException("orphanMinAge must not be negative: " + orphanMinAge);
    }
  }

  /** The documented default: {@link #DEFAULT_KEEP_LAST} and {@link #DEFAULT_KEEP_FOR}. */
  public static RetentionPolicy defaults() {
    return new RetentionPolicy(DEFAULT_KEEP_LAST, DEFAULT_KEEP_FOR, DEFAULT_ORPHAN_MIN_AGE);
  }
}
