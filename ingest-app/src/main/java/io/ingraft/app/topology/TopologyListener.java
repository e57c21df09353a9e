package io.ingraft.app.topology;

/**
 * What stage 1 tells an observer (metrics). Called on stream threads: an implementation must be
 * thread-safe, cheap and must not throw.
 */
public interface TopologyListener {
  /** Tells nothing to nobody. */
  TopologyListener NONE = code -> {};

  /**
   * Stage 1 sent a record to the dead-letter topic with {@code code}. Counted when it is handed to
   * Streams: a task that aborts its transaction and re-processes counts it again.
   */
  void deadLettered(String code);
}
