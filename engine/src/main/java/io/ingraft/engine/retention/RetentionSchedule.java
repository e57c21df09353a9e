package io.ingraft.engine.retention;

import java.time.Duration;
import java.util.Objects;

/**
 * Whether, and how often, the owner of a graph runs {@link GraphGc} on it by itself: at most once
 * every {@code every} per graph, after a batch of the graph published, on a thread of its own, with
 * {@code policy}. Off by default: history is kept until an operator or this schedule removes it, as
 * the graph log is (docs/operations.md, "Housekeeping").
 *
 * @param policy what each run keeps, or null when off
 * @param every the least time between two runs on the same graph, or null when off
 */
public record RetentionSchedule(RetentionPolicy policy, Duration every) {
  /** Never collects on its own; {@code ingraft graph gc} still does. */
  public static final RetentionSchedule OFF = new RetentionSchedule(null, null);

  /**
   * The shortest orphan age a schedule accepts: the writer's own staged files are unreferenced
   * until it commits them, and a younger age would let its runs delete a write in flight.
   */
  public static final Duration MIN_ORPHAN_AGE = Duration.ofHours(1);

  public RetentionSchedule {
    if ((policy == null) != (every == null)) {
      throw new IllegalArgumentException("a retention schedule needs both a policy and a period");
    }
    if (policy != null && policy.orphanMinAge().compareTo(MIN_ORPHAN_AGE) < 0) {
      throw new IllegalArgumentException(
          "the orphan age of a writer's retention must be at least "
              + MIN_ORPHAN_AGE
              + ": "
              + policy.orphanMinAge());
    }
    if (every != null && (every.isZero() || every.isNegative())) {
      throw new IllegalArgumentException("the retention period must be positive: " + every);
    }
  }

  /** Runs {@code policy} on every owned graph at most once per {@code every}. */
  public static RetentionSchedule every(Duration every, RetentionPolicy policy) {
    return new RetentionSchedule(
        Objects.requireNonNull(policy, "policy"), Objects.requireNonNull(every, "every"));
  }

  public boolean enabled() {
    return every != null;
  }
}
