package io.ingraft.it.bench;

import io.ingraft.events.avro.GraphEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The events a pipeline benchmark run offers, graph by graph: what users run through the pipeline
 * ({@code workload=append|update-heavy|many-graphs}). The benchmark asks for the next graph and its
 * next event; the workload remembers each event's send time per graph, in order, so the benchmark
 * can match every event to the version that published it.
 */
interface Workload {
  /** The name given on the command line. */
  String name();

  /** One line for the report: what the events are. */
  String describe();

  int graphs();

  String graphId(int graph);

  /** The Kafka key of the graph's events (its id). */
  byte[] key(int graph);

  /** The event that creates the graph with the benchmark's schema. */
  GraphEvent schemaEvent(int graph);

  /**
   * Pipeline settings the workload needs (for instance a load root), before the command line's
   * overrides.
   */
  default Map<String, String> settings(Path root) {
    return Map.of();
  }

  /**
   * Events that bring the graph to the workload's starting state, sent after its schema event and
   * before the warm-up, applied before anything is measured (none by default).
   *
   * @param root the benchmark's work directory, where a workload may write load files
   */
  default List<GraphEvent> setup(int graph, Path root) throws IOException {
    return List.of();
  }

  /** Forgets the previous run's timestamps. */
  void startPhase();

  /** The graph of the next event. */
  int nextGraph();

  /** The graph's next event, remembered with its timestamp. */
  GraphEvent next(int graph, long timestamp);

  /** The timestamps of the graph's events since {@link #startPhase()}, in send order. */
  LongList stamps(int graph);

  /**
   * The workload named on the command line.
   *
   * @param nodes the nodes the update-heavy graphs hold in all before the runs
   */
  static Workload named(String name, int graphs, long nodes) {
    return switch (name) {
      case "append" -> new AppendWorkload(graphs);
      case "update-heavy" -> new UpdateHeavyWorkload(graphs, nodes);
      case "many-graphs" -> new ManyGraphsWorkload(graphs);
      default ->
          throw new IllegalArgumentException(
              "workload=" + name + ": expected append, update-heavy or many-graphs");
    };
  }
}
