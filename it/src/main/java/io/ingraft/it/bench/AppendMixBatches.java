package io.ingraft.it.bench;

import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.engine.event.SourcePosition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Batches of the append mix as engine events, for the benchmarks that drive {@code GraphEngine}
 * without Kafka: even events upsert a new {@code Person}, odd ones insert a {@code Knows} edge
 * between two random earlier Persons; source positions count up from 0 on {@code bench:0}.
 */
final class AppendMixBatches {
  private final String graph;
  private final Random random;
  private int nodes;
  private long offset;

  AppendMixBatches(String graph, long seed) {
    this.graph = graph;
    this.random = new Random(seed);
  }

  List<GraphEvent> next(int size) {
    List<GraphEvent> batch = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      long at = offset++;
      Op op =
          at % 2 == 0 || nodes < 2
              ? new Op.UpsertNode("Person", PipelineBenchmark.person(nodes++))
              : new Op.InsertEdge(
                  "Knows",
                  "p" + random.nextInt(nodes),
                  "p" + random.nextInt(nodes),
                  Map.of(),
                  null);
      batch.add(
          new GraphEvent(
              graph,
              "e" + at,
              new SourcePosition("bench:0", at),
              at,
              new EventBody.Mutation(List.of(op))));
    }
    return batch;
  }
}
