package io.ingraft.engine.event;

import java.util.Objects;

/**
 * Where an event came from: a source partition (for example {@code ingraft.graph-log:3}) and the
 * event's offset in it. The engine records, per graph and partition, the next offset not yet
 * applied, and skips events below it: that is what makes replays harmless.
 */
public record SourcePosition(String partition, long offset) {
  public SourcePosition {
    Objects.requireNonNull(partition, "partition");
    if (partition.isBlank()) {
      throw new IllegalArgumentException("partition must not be blank");
    }
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0: " + offset);
    }
  }

  @Override
  public String toString() {
    return partition + "@" + offset;
  }
}
