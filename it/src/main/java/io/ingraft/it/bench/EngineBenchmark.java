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
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * The engine benchmark (prints figures; never a timed test): batch apply rate through {@code
 * GraphEngine.apply} on one graph grown to each of N existing nodes (default 1M, then 10M), for
 * batches of 10k events of each kind: node upserts of new keys, node upserts of existing keys,
 * updates and deletes of existing nodes. Each kind runs {@value #DEFAULT_ROUNDS} times per size
 * after {@value #DEFAULT_WARMUP} unmeasured rounds ({@code rounds=N}, {@code warmup=N}; the median
 * is printed: the first rounds of a JVM run at a third of the warm rate) with its CPU per event,
 * the ratio to new-key upserts, and the targets of a write cost that does not grow with the graph:
 * existing-key batches at 0.7x the new-key rate or more, and the same existing-key rate at every
 * size (within 15%). Also the heap the owner's key index takes per key and the time a new owner
 * takes to rebuild it, and the raw staged-append rate of the same rows (the ceiling) in the same
 * run.
 *
 * <p>Run: {@code mvn -B -q -DskipTests install && mvn -B -q -pl it exec:exec@engine-bench} ({@code
 * -Dbench.args="<n1,n2,...> [rounds=N] [warmup=N] [edges=true]"} to change the sizes and the
 * rounds, or to load a {@code Knows} edge from each node to the next with the nodes, so that the
 * deletes cascade to two edges each), on an otherwise idle machine.
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
  private static final int BATCH = 10_000;
  private static final int DEFAULT_ROUNDS = 5;
  private static final int DEFAULT_WARMUP = 10;
  private static final int LOAD_ROWS = 500_000;
  private static final String[] KINDS = {
    "upserts, new keys", "upserts, existing keys", "updates", "deletes"
  };

  private static final com.sun.management.OperatingSystemMXBean CPU =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private final GraphEngine engine;
  private final TableStore tables;
  private long offset;
  private int nextKey;
  private final java.util.BitSet deleted = new java.util.BitSet();
  private final int rounds;
  private final int warmup;
  private final boolean edges;

  private EngineBenchmark(
      GraphEngine engine, TableStore tables, int rounds, int warmup, boolean edges) {
    this.engine = engine;
    this.tables = tables;
    this.rounds = rounds;
    this.warmup = warmup;
    this.edges = edges;
  }

  public static void main(String[] rawArgs) throws Exception {
    String[] args = BenchArguments.words(rawArgs);
    int[] sizes =
        java.util.Arrays.stream(
                (args.length > 0 && !args[0].contains("=") ? args[0] : "1000000,10000000")
                    .split(","))
            .mapToInt(v -> Integer.parseInt(v.trim().replace("_", "")))
            .toArray();
    int rounds = DEFAULT_ROUNDS;
    int warmup = DEFAULT_WARMUP;
    boolean edges = false;
    for (String arg : args) {
      if (arg.startsWith("rounds=")) {
        rounds = Integer.parseInt(arg.substring("rounds=".length()));
      } else if (arg.startsWith("warmup=")) {
        warmup = Integer.parseInt(arg.substring("warmup=".length()));
      } else if (arg.startsWith("edges=")) {
        edges = Boolean.parseBoolean(arg.substring("edges=".length()));
      } else if (arg.contains("=")) {
        throw new IllegalArgumentException(
            "unknown option " + arg + " (known: rounds=N, warmup=N, edges=true|false)");
      }
    }
    if (rounds < 1 || warmup < 1) {
      throw new IllegalArgumentException("rounds and warmup must be at least 1");
    }
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Files.createDirectories(tmp);
    Path root = Files.createTempDirectory(tmp, "engine-bench-");
    System.out.printf(
        "Ingraft engine benchmark: sizes %s%s, %d rounds after %d unmeasured, root %s, %d cores,"
            + " max heap %d MB, load average %.2f%n%n",
        java.util.Arrays.toString(sizes),
        edges ? " with a Knows edge from each node to the next" : "",
        rounds,
        warmup,
        root,
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20,
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      GraphEngine engine = new GraphEngine(store, tables, "bench", Clock.systemUTC());
      new EngineBenchmark(engine, tables, rounds, warmup, edges).run(sizes);
    } finally {
      WorkDirectory.delete(root);
    }
  }

  /** One measured kind at one size: median apply time and CPU per event over the rounds. */
  private record Figure(double rate, double applyMs, double cpuMicros) {}

  private void run(int[] sizes) {
    engine.createGraph(GRAPH, SCHEMA);
    double ceiling = ceiling(100_000);
    Map<Integer, Map<String, Figure>> figures = new LinkedHashMap<>();
    for (int size : sizes) {
      grow(size);
      figures.put(size, measure(size));
      indexFigures(size);
    }
    System.out.printf(
        "%n%-12s %-24s %8s %10s %12s %10s %9s %10s%n",
        "nodes",
        "batch of 10k",
        "events",
        "apply ms",
        "events/s",
        "CPU us/ev",
        "x new",
        "x ceiling");
    for (Map.Entry<Integer, Map<String, Figure>> size : figures.entrySet()) {
      double fresh = size.getValue().get(KINDS[0]).rate();
      for (String kind : KINDS) {
        Figure f = size.getValue().get(kind);
        System.out.printf(
            "%,-12d %-24s %,8d %10.0f %,12.0f %10.1f %9.2f %10.2f%n",
            size.getKey(),
            kind,
            BATCH,
            f.applyMs(),
            f.rate(),
            f.cpuMicros(),
            f.rate() / fresh,
            f.rate() / ceiling);
      }
    }
    System.out.printf(
        "%nceiling: raw staged append of the same node rows, %,.0f rows/s%n", ceiling);
    System.out.printf("%ntargets:%n");
    for (Map.Entry<Integer, Map<String, Figure>> size : figures.entrySet()) {
      double fresh = size.getValue().get(KINDS[0]).rate();
      for (int k = 1; k < KINDS.length; k++) {
        double ratio = size.getValue().get(KINDS[k]).rate() / fresh;
        System.out.printf(
            "  %,d nodes, %-24s >= 0.7x new keys: %.2fx  %s%n",
            size.getKey(), KINDS[k], ratio, ratio >= 0.7 ? "MET" : "NOT MET");
      }
    }
    if (figures.size() > 1) {
      List<Integer> ordered = new ArrayList<>(figures.keySet());
      int smallest = ordered.get(0);
      for (int i = 1; i < ordered.size(); i++) {
        int size = ordered.get(i);
        for (int k = 1; k < KINDS.length; k++) {
          double ratio =
              figures.get(size).get(KINDS[k]).rate() / figures.get(smallest).get(KINDS[k]).rate();
          System.out.printf(
              "  %-24s at %,d within 15%% of %,d: %.2fx  %s%n",
              KINDS[k], size, smallest, ratio, ratio >= 0.85 ? "MET" : "NOT MET");
        }
      }
    }
  }

  /** Grows the graph to {@code size} nodes with append loads of 500k (the fastest engine path). */
  private void grow(int size) {
    long t0 = System.nanoTime();
    int added = 0;
    while (nextKey < size) {
      int n = Math.min(LOAD_ROWS, size - nextKey);
      List<Map<String, Object>> rows = new ArrayList<>(n);
      List<Map<String, Object>> knows = new ArrayList<>(edges ? n : 0);
      for (int i = 0; i < n; i++) {
        if (edges && i + 1 < n) {
          knows.add(Map.of("from", "p" + nextKey, "to", "p" + (nextKey + 1), "id", "k" + nextKey));
        }
        rows.add(person(nextKey++, 0));
      }
      added += n;
      check(
          engine.apply(
              GRAPH,
              List.of(
                  event(
                      new EventBody.Load(
                          EventBody.LoadMode.APPEND,
                          Map.of("Person", rows),
                          edges ? Map.of("Knows", knows) : Map.of(),
                          null)))));
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "grown to %,d nodes: %,d appended as loads of %,d in %.1f s (%,.0f nodes/s)%n",
        size, added, LOAD_ROWS, seconds, added / seconds);
  }

  /**
   * {@link #rounds} rounds of one 10k batch of each kind, after {@link #warmup} unmeasured ones
   * (the first also rebuilds the key index the growing loads dropped). Existing keys are spread
   * over the first half of the keys (never deleted); deletes take distinct keys of the second half.
   */
  private Map<String, Figure> measure(int size) {
    Map<String, List<long[]>> samples = new LinkedHashMap<>();
    int deleteFrom = size / 2;
    for (int round = 0; round < warmup + rounds; round++) {
      int salt = round + 1;
      List<GraphEvent> fresh = new ArrayList<>(BATCH);
      for (int i = 0; i < BATCH; i++) {
        fresh.add(upsertEvent(person(nextKey++, salt)));
      }
      // Each batch's events take consecutive source offsets, in the order the batches are
      // applied: an event at or below an offset the graph already applied is skipped as a replay.
      List<GraphEvent> existing = new ArrayList<>(BATCH);
      for (int i = 0; i < BATCH; i++) {
        int key = live((int) (((long) (i + round * BATCH) * 7919L) % (size / 2)));
        existing.add(upsertEvent(person(key, salt)));
      }
      List<GraphEvent> updates = new ArrayList<>(BATCH);
      for (int i = 0; i < BATCH; i++) {
        int other = live((int) (((long) (i + round * BATCH) * 104_729L + 1) % (size / 2)));
        updates.add(
            event(
                new EventBody.Mutation(
                    List.of(
                        new Op.UpdateNode(
                            "Person", "p" + other, Map.of("age", (long) (salt % 100)))))));
      }
      List<GraphEvent> deletes = new ArrayList<>(BATCH);
      for (int i = 0; i < BATCH; i++) {
        deleted.set(deleteFrom);
        deletes.add(
            event(
                new EventBody.Mutation(
                    List.of(new Op.DeleteNode("Person", "p" + (deleteFrom++))))));
      }
      List<List<GraphEvent>> batches = List.of(fresh, existing, updates, deletes);
      for (int k = 0; k < KINDS.length; k++) {
        long[] sample = time(batches.get(k));
        if (round >= warmup) {
          samples.computeIfAbsent(KINDS[k], x -> new ArrayList<>()).add(sample);
        }
      }
    }
    Map<String, Figure> figures = new LinkedHashMap<>();
    samples.forEach(
        (kind, list) -> {
          List<long[]> sorted = new ArrayList<>(list);
          sorted.sort((a, b) -> Long.compare(a[0], b[0]));
          long[] median = sorted.get(sorted.size() / 2);
          figures.put(
              kind,
              new Figure(BATCH / (median[0] / 1e9), median[0] / 1e6, median[1] / 1e3 / BATCH));
          System.out.printf(
              "  %,d nodes, %-24s rounds in order (ms): %s%n",
              size, kind, list.stream().map(s -> String.format("%.0f", s[0] / 1e6)).toList());
        });
    return figures;
  }

  /**
   * The heap the owner's key indexes take (measured as what releasing the graph frees) and the time
   * a new owner takes to rebuild them (the first batch after a takeover).
   */
  private void indexFigures(int size) {
    long held = usedHeap();
    engine.release(GRAPH);
    long freed = held - usedHeap();
    long t0 = System.nanoTime();
    List<GraphEvent> batch = new ArrayList<>(BATCH);
    for (int i = 0; i < BATCH; i++) {
      batch.add(upsertEvent(person((int) ((i * 7919L) % (size / 2)), 9)));
    }
    time(batch);
    double rebuild = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "%,d nodes: key indexes hold %,d MB of heap (%.0f bytes per key); takeover + rebuild +"
            + " one batch of existing keys %.2f s%n",
        size, freed >> 20, (double) freed / size, rebuild);
  }

  private static long usedHeap() {
    Runtime runtime = Runtime.getRuntime();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
    }
    return used;
  }

  /** {@code key}, or the next key after it that was not deleted by an earlier size's round. */
  private int live(int key) {
    return deleted.nextClearBit(key);
  }

  private GraphEvent upsertEvent(Map<String, Object> props) {
    return event(new EventBody.Mutation(List.of(new Op.UpsertNode("Person", props))));
  }

  /** Wall nanos and process CPU nanos of one apply. */
  private long[] time(List<GraphEvent> batch) {
    long cpu0 = CPU.getProcessCpuTime();
    long t0 = System.nanoTime();
    BatchResult result = engine.apply(GRAPH, batch);
    long nanos = System.nanoTime() - t0;
    long cpu = CPU.getProcessCpuTime() - cpu0;
    check(result);
    return new long[] {nanos, cpu};
  }

  /** Raw TableStore rate for the same rows (build, stage, commit), the engine's ceiling. */
  private double ceiling(int rows) {
    org.apache.arrow.vector.types.pojo.Schema schema = personTableSchema();
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

  /** The Lance table schema of {@link #SCHEMA}'s Person nodes. */
  static org.apache.arrow.vector.types.pojo.Schema personTableSchema() {
    var catalog =
        new io.ingraft.engine.schema.SchemaCatalog(
            io.ingraft.engine.schema.GraphSchema.parse(SCHEMA));
    return catalog.nodeSchema(catalog.schema().nodeType("Person").orElseThrow());
  }

  private GraphEvent event(EventBody body) {
    long at = offset++;
    return new GraphEvent(GRAPH.value(), "e" + at, new SourcePosition(SOURCE, at), null, body);
  }

  /** A Person row of {@link #SCHEMA} (also the fragment access benchmark's rows). */
  static Map<String, Object> person(int i, int generation) {
    Map<String, Object> props = new HashMap<>(8);
    props.put("id", "p" + i);
    props.put("name", "person " + i);
    props.put("age", (long) ((i + generation) % 100));
    props.put("score", i / 10.0);
    return props;
  }

  /** Every event of the batch applied: none rejected, none skipped as a replay. */
  private static void check(BatchResult result) {
    for (EventResult event : result.events()) {
      if (event.status() != EventResult.Status.APPLIED) {
        throw new IllegalStateException(
            result.count(EventResult.Status.REJECTED)
                + " events rejected and "
                + result.count(EventResult.Status.SKIPPED)
                + " skipped of "
                + result.events().size()
                + ", first: "
                + event);
      }
    }
  }
}
