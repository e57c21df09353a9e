package io.ingraft.app.topology;

import io.ingraft.app.config.IngraftConfig;

/**
 * When a graph's open batch is due for its {@code LINGER} seal. With the linger spread (the
 * default), every graph's lingers end on its own ticks, {@code linger} apart and offset by a hash
 * of the graph id, so a batch is sealed at the graph's first tick after it opened: at most the
 * linger after its first event, as before, but the many graphs of a busy task no longer seal in the
 * same sweep and reach the writer together, one linger after they all started. Without the spread a
 * batch is due exactly the linger after its first event.
 */
public final class LingerClock {
  private final long lingerMs;
  private final boolean spread;

  public LingerClock(IngraftConfig.Sealing sealing) {
    this.lingerMs = sealing.linger().toMillis();
    this.spread = sealing.spreadLingers();
  }

  /** The wall-clock time at which a batch of {@code graph} opened at {@code openedAtMs} is due. */
  public long dueAt(String graph, long openedAtMs) {
    if (!spread) {
      return openedAtMs + lingerMs;
    }
    long phase = phaseOf(graph);
    // The first of the graph's ticks (phase + k * linger) strictly after the batch opened.
    return phase + (Math.floorDiv(openedAtMs - phase, lingerMs) + 1) * lingerMs;
  }

  /** The graph's offset in the linger period: Murmur3's finalizer over the id's hash. */
  long phaseOf(String graph) {
    int h = graph.hashCode();
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return Math.floorMod(h, lingerMs);
  }
}
