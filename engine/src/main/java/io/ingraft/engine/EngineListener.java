package io.ingraft.engine;

import io.ingraft.engine.retention.GcReport;
import io.ingraft.recovery.RecoveryOutcome;
import io.ingraft.storage.GraphId;
import java.time.Duration;
import java.util.List;

/**
 * What a {@link GraphEngine} tells an observer (metrics) about the work it does on its own:
 * takeovers with their recovery sweeps, compactions and scheduled retention runs. Every method has
 * a no-op default; calls come from the thread writing the graph (retention runs: from the engine's
 * retention thread), so an implementation must be thread-safe, cheap and must not throw.
 */
public interface EngineListener {
  /** Tells nothing to nobody. */
  EngineListener NONE = new EngineListener() {};

  /** The engine took {@code graph} over; its sweep recovered {@code outcomes} (often none). */
  default void tookOver(GraphId graph, List<RecoveryOutcome> outcomes) {}

  /** A takeover of {@code graph} (its claim or its sweep) failed with {@code error}. */
  default void takeOverFailed(GraphId graph, RuntimeException error) {}

  /**
   * {@code table} of {@code graph} was compacted, published as {@code version}; the compaction took
   * {@code took} from the start of its staging to its publish. The graph's writes waited for all of
   * it when it ran inline, and only for its commit when it was staged in the background ({@link
   * MaintenancePolicy}).
   */
  default void compacted(GraphId graph, String table, long version, Duration took) {}

  /**
   * A scheduled retention run of {@code graph} ({@link MaintenancePolicy#retention}) removed what
   * {@code report} says in {@code took}; the graph's writes went on meanwhile.
   */
  default void collected(GraphId graph, GcReport report, Duration took) {}

  /** A scheduled retention run of {@code graph} failed with {@code error}; the next one retries. */
  default void collectionFailed(GraphId graph, RuntimeException error) {}
}
