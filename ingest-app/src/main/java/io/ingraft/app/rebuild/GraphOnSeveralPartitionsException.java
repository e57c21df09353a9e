package io.ingraft.app.rebuild;

import org.apache.kafka.common.TopicPartition;

/**
 * A graph's records were found on two partitions of the graph log. Stage 1 keys the log by graph,
 * so a graph lives on one partition; records elsewhere (a topic whose partition count changed, or
 * records written by hand) have no defined order relative to the first partition's, and a replay
 * could not know which order the live writer used.
 */
public final class GraphOnSeveralPartitionsException extends RuntimeException {
  private final String graph;
  private final TopicPartition first;
  private final TopicPartition second;

  public GraphOnSeveralPartitionsException(
      String graph, TopicPartition first, TopicPartition second) {
    super(
        "graph "
            + graph
            + " has records on graph-log partitions "
            + first
            + " and "
            + second
            + "; a rebuild replays a graph that lives on one partition");
    this.graph = graph;
    this.first = first;
    this.second = second;
  }

  public String graph() {
    return graph;
  }

  public TopicPartition first() {
    return first;
  }

  public TopicPartition second() {
    return second;
  }
}
