package io.ingraft.it.bench;

import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.SchemaBody;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What every workload of the pipeline benchmark shares: graphs {@code bench-00}, {@code bench-01},
 * ... with the engine benchmark's schema, events round-robin over them, one op each, and each
 * event's timestamp remembered per graph. Subclasses choose the op.
 */
abstract class RoundRobinWorkload implements Workload {
  private final String name;
  private final String[] ids;
  private final byte[][] keys;
  private final long[] sequence;
  private final LongList[] stamps;
  private int nextGraph;

  RoundRobinWorkload(String name, int graphs) {
    this.name = name;
    ids = new String[graphs];
    keys = new byte[graphs][];
    sequence = new long[graphs];
    stamps = new LongList[graphs];
    for (int g = 0; g < graphs; g++) {
      ids[g] = String.format("bench-%02d", g);
      keys[g] = ids[g].getBytes(StandardCharsets.UTF_8);
      stamps[g] = new LongList();
    }
  }

  /** The op of the graph's event number {@code seq} (0, 1, 2, ... per graph). */
  abstract Op op(int graph, long seq);

  @Override
  public String name() {
    return name;
  }

  @Override
  public int graphs() {
    return ids.length;
  }

  @Override
  public String graphId(int graph) {
    return ids[graph];
  }

  @Override
  public byte[] key(int graph) {
    return keys[graph];
  }

  @Override
  public GraphEvent schemaEvent(int graph) {
    return GraphEvent.newBuilder()
        .setGraph(ids[graph])
        .setEventId("schema")
        .setTimestamp(System.currentTimeMillis())
        .setBody(new SchemaBody(EngineBenchmark.SCHEMA))
        .build();
  }

  @Override
  public void startPhase() {
    for (int g = 0; g < ids.length; g++) {
      stamps[g] = new LongList();
    }
  }

  @Override
  public int nextGraph() {
    int g = nextGraph;
    nextGraph = (g + 1) % ids.length;
    return g;
  }

  @Override
  public GraphEvent next(int graph, long timestamp) {
    long seq = sequence[graph]++;
    Op op = op(graph, seq);
    stamps[graph].add(timestamp);
    return GraphEvent.newBuilder()
        .setGraph(ids[graph])
        .setEventId("e" + seq)
        .setTimestamp(timestamp)
        .setBody(new MutationBody(new ArrayList<>(List.of(op))))
        .build();
  }

  @Override
  public LongList stamps(int graph) {
    return stamps[graph];
  }
}
