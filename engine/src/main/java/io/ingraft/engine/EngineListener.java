package io.ingraft.engine;

import io.ingraft.recovery.RecoveryOutcome;
import io.ingraft.storage.GraphId;
import java.time.Duration;
import java.util.List;

/**
 * What a {@link GraphEngine} tells an observer (metrics) about the work it does on its own:
 * takeovers with their recovery sweeps, and compactions. Every method has a no-op default; calls
 * come from the thread writing the graph, so an implementation must be thread-safe, cheap and must
 * not throw.
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
}
