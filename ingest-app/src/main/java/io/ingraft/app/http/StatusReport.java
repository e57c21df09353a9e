package io.ingraft.app.http;

import java.time.Instant;
import java.util.List;

/**
 * What {@code /api/status} answers (as JSON) and the status page shows: this instance, its two
 * stages, and the graphs it owns. Lags are in records and -1 while not yet measured.
 *
 * @param instance the writer id, which is also the owner name in the manifests
 * @param ready whether {@code /health/ready} answers 200
 * @param stageOne stage 1 (the Streams topology)
 * @param writer stage 2 (the graph writer)
 * @param graphs the graphs whose graph-log partition this instance's writer is assigned and that it
 *     has written since, by graph id
 * @param stopped graphs stopped until an operator acts, with why and what to do
 * @param at when the report was made
 */
public record StatusReport(
    String instance,
    boolean ready,
    StageOne stageOne,
    Writer writer,
    List<Graph> graphs,
    List<StoppedGraph> stopped,
    Instant at) {

  public StatusReport {
    graphs = List.copyOf(graphs);
    stopped = List.copyOf(stopped);
  }

  /**
   * @param state the Kafka Streams state ({@code RUNNING}, {@code REBALANCING}, ...)
   * @param partitions the source (and repartition) partitions its active tasks read here
   * @param lag records behind the end of those partitions (committed offsets)
   */
  public record StageOne(String state, List<String> partitions, long lag) {
    public StageOne {
      partitions = List.copyOf(partitions);
    }
  }

  /**
   * @param running whether the writer's poll loop runs
   * @param partitions the graph-log partitions assigned to it
   * @param lag records behind the end of those partitions (committed offsets)
   * @param tookOver whether it has taken over (and caught up with) what was pending in its
   *     partitions when they were assigned
   */
  public record Writer(boolean running, List<String> partitions, long lag, boolean tookOver) {
    public Writer {
      partitions = List.copyOf(partitions);
    }
  }

  /**
   * @param graph the graph id
   * @param partition the graph-log partition it is read from
   * @param version the latest manifest version this instance published, or -1
   * @param lag the writer's lag on the graph's partition (shared with the partition's other
   *     graphs), or -1 while not measured
   * @param backlogEvents sealed events read and not yet published
   * @param freshnessMs the freshness of the last published version with event timestamps, or null
   * @param lastPublish when this instance last published a version, or null
   */
  public record Graph(
      String graph,
      String partition,
      long version,
      long lag,
      long backlogEvents,
      Long freshnessMs,
      Instant lastPublish) {}

  /**
   * @param graph the graph id
   * @param code why, as a stable code
   * @param reason why, for a person
   * @param action what the operator does to start it again
   * @param since when it stopped
   */
  public record StoppedGraph(
      String graph, String code, String reason, String action, Instant since) {}
}
