package io.ingraft.storage.manifest;

import io.ingraft.storage.StorageException;
import java.util.List;

/**
 * An offset selector named a partition but no topic, and the graph records that partition of more
 * than one topic: the caller must name the topic.
 */
public final class AmbiguousSourceException extends StorageException {
  private final String graph;
  private final int partition;
  private final List<String> candidates;

  public AmbiguousSourceException(String graph, int partition, List<String> candidates) {
    super(
        "graph "
            + graph
            + " records partition "
            + partition
            + " of several topics "
            + candidates
            + ": name one as TOPIC:PARTITION:OFFSET");
    this.graph = graph;
    this.partition = partition;
    this.candidates = List.copyOf(candidates);
  }

  public String graph() {
    return graph;
  }

  public int partition() {
    return partition;
  }

  /** The recorded sources ({@code topic:partition}) that match. */
  public List<String> candidates() {
    return candidates;
  }
}
