package io.ingraft.it.bench;

import io.ingraft.engine.BatchResult;
import io.ingraft.engine.EventResult;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.engine.event.SourcePosition;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.ArrowRows;
import io.ingraft.storage.table.StagedWrite;
import io.ingraft.storage.table.TableStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * The engine benchmark (prints figures; never a timed test): batch apply rate for node upserts and
 * edge inserts at 1k/10k/100k events per batch on a graph with N existing nodes (default 1M), next
 * to the raw staged-write rate of the same rows measured in the same run.
 *
 * <p>Run: {@code mvn -B -q -DskipTests install && mvn -B -q -pl it exec:exec@engine-bench} ({@code
 * -Dbench.args="<existingNodes>"} to change N).
 */
public final class EngineBenchmark {
  static final String SCHEMA =
      """
      node Person {
        id: String @key
        name: String?
        age: I32?
        score: F64?
      }
      edge Knows: Person -> Person
      """;
  private static final GraphId GRAPH = GraphId.of("bench");
  private static final String SOURCE = "bench:0";

  private final GraphEngine engine;
  private final TableStore tables;
  private long offset;

  private EngineBenchmark(GraphEngine engine, TableStore tables) {
    this.engine = engine;
    this.tables = tables;
  }

  public static void main(String[] rawArgs) throws Exception {
    String[] args =
        java.util.Arrays.stream(rawArgs).filter(a -> !a.isBlank()).toArray(String[]::new);
    int existing = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Files.createDirectories(tmp);
    Path root = Files.createTempDirectory(tmp, "engine-bench-");
    System.out.printf(
        "Ingraft engine benchmark: %,d existing nodes, root %s, %d cores, max heap %d MB%n%n",
        existing,
        root,
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      GraphEngine engine = new GraphEngine(store, tables, "bench", Clock.systemUTC());
      new EngineBenchmark(engine, tables).run(existing);
    }
  }

  private void run(int existing) {
    engine.createGraph(GRAPH, SCHEMA);
    long t0 = System.nanoTime();
    for (int start = 0; start < existing; start += 100_000) {
      int n = Math.min(100_000, existing - start);
      List<Map<String, Object>> rows = new ArrayList<>(n);
      for (int i = start; i < start + n; i++) {
        rows.add(person(i, 0));
      }
      check(
          engine.apply(
              GRAPH,
              List.of(
                  event(
                      new EventBody.Load(
                          EventBody.LoadMode.MERGE, Map.of("Person", rows), Map.of(), null)))));
    }
    double preload = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "preload: %,d nodes as merge loads of 100k in %.1f s (%,.0f nodes/s)%n%n",
        existing, preload, existing / preload);

    double ceiling = ceiling(100_000);
    System.out.printf(
        "%-28s %9s %10s %12s %10s%n", "batch", "events", "apply ms", "events/s", "x ceiling");
    int next = existing;
    for (int size : new int[] {1_000, 10_000, 100_000}) {
      // Append-only: new keys.
      List<GraphEvent> batch = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        batch.add(
            event(new EventBody.Mutation(List.of(new Op.UpsertNode("Person", person(next++, 1))))));
      }
      report("node upserts, new keys", size, time(batch), ceiling);
      // Upsert-heavy: existing keys.
      batch = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        batch.add(
            event(
                new EventBody.Mutation(
                    List.of(new Op.UpsertNode("Person", person((i * 7919) % existing, 2))))));
      }
      report("node upserts, existing keys", size, time(batch), ceiling);
      // Edge inserts between existing nodes.
      batch = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        batch.add(
            event(
                new EventBody.Mutation(
                    List.of(
                        new Op.InsertEdge(
                            "Knows",
                            "p" + (i % existing),
                            "p" + ((i * 31 + 7) % existing),
                            Map.of(),
                            null)))));
      }
      report("edge inserts", size, time(batch), ceiling);
    }
    System.out.printf(
        "%nceiling: raw staged append of the same node rows, %,.0f rows/s%n", ceiling);
  }

  private long time(List<GraphEvent> batch) {
    long t0 = System.nanoTime();
    BatchResult result = engine.apply(GRAPH, batch);
    long nanos = System.nanoTime() - t0;
    check(result);
    return nanos;
  }

  private static void report(String name, int events, long nanos, double ceiling) {
    double rate = events / (nanos / 1e9);
    System.out.printf(
        "%-28s %,9d %10.0f %,12.0f %10.2f%n", name, events, nanos / 1e6, rate, rate / ceiling);
  }

  /** Raw TableStore rate for the same rows (build, stage, commit), the engine's ceiling. */
  private double ceiling(int rows) {
    var catalog =
        new io.ingraft.engine.schema.SchemaCatalog(
            io.ingraft.engine.schema.GraphSchema.parse(SCHEMA));
    var schema = catalog.nodeSchema(catalog.schema().nodeType("Person").orElseThrow());
    String path = "graphs/ceiling/nodes/Person.lance";
    long version = tables.create(path, schema, "id");
    long t0 = System.nanoTime();
    List<Map<String, Object>> list = new ArrayList<>(rows);
    for (int i = 0; i < rows; i++) {
      list.add(person(i, 0));
    }
    StagedWrite staged;
    try (VectorSchemaRoot batch = ArrowRows.toRoot(schema, list, tables.allocator())) {
      staged = tables.stageAppend(path, version, batch);
    }
    tables.commit(staged, UUID.randomUUID(), Map.of());
    return rows / ((System.nanoTime() - t0) / 1e9);
  }

  private GraphEvent event(EventBody body) {
    long at = offset++;
    return new GraphEvent(GRAPH.value(), "e" + at, new SourcePosition(SOURCE, at), null, body);
  }

  private static Map<String, Object> person(int i, int generation) {
    Map<String, Object> props = new HashMap<>(8);
    props.put("id", "p" + i);
    props.put("name", "person " + i);
    props.put("age", (long) ((i + generation) % 100));
    props.put("score", i / 10.0);
    return props;
  }

  private static void check(BatchResult result) {
    long rejected = result.count(EventResult.Status.REJECTED);
    if (rejected > 0) {
      throw new IllegalStateException(
          rejected
              + " events rejected, first: "
              + result.events().stream()
                  .filter(e -> e.status() == EventResult.Status.REJECTED)
                  .findFirst()
                  .orElseThrow());
    }
  }
}
