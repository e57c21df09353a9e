package io.ingraft.storage.manifest;

import java.util.Objects;

/**
 * Who published a manifest version, and under which ownership epoch. A new owner of a graph
 * publishes {@code epoch + 1} before its first write; a publisher whose epoch is older than the
 * latest manifest's is fenced.
 */
public record WriterEpoch(String writerId, long epoch) {
  public WriterEpoch {
    Objects.requireNonNull(writerId, "writerId");
    if (writerId.isBlank()) {
      throw new IllegalArgumentException("writerId must not be blank");
    }
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0: " + epoch);
    }
  }
}
