package io.ingraft.it.bench;

import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.CommitInfo;
import io.ingraft.storage.manifest.CommitKind;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestChange;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.manifest.TablePin;
import io.ingraft.storage.manifest.WriterEpoch;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.ArrowRows;
import io.ingraft.storage.table.StagedWrite;
import io.ingraft.storage.table.TableStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The storage benchmark (prints figures; never a timed test): manifest publish latency, table stage
 * + commit time for 1k/10k/100k rows, and the raw staged-write rate for a node-like schema, which
 * is the ceiling later benchmarks compare the engine and the pipeline against.
 *
 * <p>Run: {@code mvn -B -q -DskipTests install && mvn -B -q -pl it exec:exec@storage-bench}.
 * Arguments: {@code [publishes] [ceilingRows]} (defaults 1000 and 1000000).
 */
public final class StorageBenchmark {
  static final Schema NODE =
      new Schema(
          List.of(
              Field.notNullable("id", ArrowType.Utf8.INSTANCE),
              Field.nullable("name", ArrowType.Utf8.INSTANCE),
              Field.nullable("age", new ArrowType.Int(32, true)),
              Field.nullable("score", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE))));

  private StorageBenchmark() {}

  public static void main(String[] rawArgs) throws Exception {
    // exec:exec passes an empty -Dbench.args as one blank argument.
    String[] args =
        java.util.Arrays.stream(rawArgs).filter(a -> !a.isBlank()).toArray(String[]::new);
    int publishes = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int ceilingRows = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Files.createDirectories(tmp);
    Path root = Files.createTempDirectory(tmp, "storage-bench-");
    System.out.printf(
        "Ingraft storage benchmark: root %s, %d cores, max heap %d MB%n%n",
        root, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);

    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      publishLatency(store, publishes);
      stageAndCommit(tables);
      ceiling(tables, ceilingRows);
    }
  }

  private static void publishLatency(ObjectStore store, int publishes) {
    ManifestLog log = new ManifestLog(store, GraphId.of("bench-manifest"));
    WriterEpoch writer = new WriterEpoch("bench", 0);
    Manifest m =
        log.create(
            ManifestChange.builder(writer, CommitInfo.of(CommitKind.CREATE, "create", "bench"))
                .build());
    int warmup = Math.min(100, publishes / 10);
    long[] nanos = new long[publishes];
    for (int i = -warmup; i < publishes; i++) {
      ManifestChange change =
          ManifestChange.builder(
                  writer,
                  new CommitInfo(
                      CommitKind.MUTATION, "op-" + i, 100, 100L * i, 100L * i + 99, "bench", false))
              .pin(
                  "nodes/Person",
                  new TablePin("graphs/bench-manifest/nodes/Person.lance", i + warmup + 2, 10))
              .source("log:0", 100L * (i + warmup + 1))
              .build();
      long t0 = System.nanoTime();
      m = log.publish(m, change);
      if (i >= 0) {
        nanos[i] = System.nanoTime() - t0;
      }
    }
    Percentiles p = Percentiles.ofNanos(nanos);
    System.out.println("Manifest publish (local disk, put-if-absent of one JSON version)");
    System.out.printf("  %-10s %10s %10s %10s%n", "publishes", "p50 ms", "p99 ms", "max ms");
    System.out.printf("  %-10d %10.2f %10.2f %10.2f%n%n", p.samples(), p.p50(), p.p99(), p.max());
  }

  private static void stageAndCommit(TableStore tables) {
    System.out.println("Table stage + commit (node-like schema: id, name, age, score)");
    System.out.printf(
        "  %-8s %-7s %10s %10s %10s %12s%n",
        "rows", "kind", "stage ms", "commit ms", "total ms", "rows/s");
    for (int rows : new int[] {1_000, 10_000, 100_000}) {
      String path = "graphs/bench/nodes/Stage" + rows + ".lance";
      long version = tables.create(path, NODE, "id");
      // Append fresh keys, then upsert the same keys (every row replaces a committed one).
      for (String kind : List.of("append", "upsert")) {
        long t0 = System.nanoTime();
        StagedWrite staged;
        try (VectorSchemaRoot batch =
            ArrowRows.toRoot(NODE, rows(0, rows, kind.length()), tables.allocator())) {
          staged =
              kind.equals("append")
                  ? tables.stageAppend(path, version, batch)
                  : tables.stageUpsert(path, version, "id", batch);
        }
        long t1 = System.nanoTime();
        version = tables.commit(staged, UUID.randomUUID(), Map.of("bench", kind));
        long t2 = System.nanoTime();
        System.out.printf(
            "  %-8d %-7s %10.1f %10.1f %10.1f %,12.0f%n",
            rows,
            kind,
            (t1 - t0) / 1e6,
            (t2 - t1) / 1e6,
            (t2 - t0) / 1e6,
            rows / ((t2 - t0) / 1e9));
      }
    }
    System.out.println(
        "  (stage includes building the Arrow batch; upsert includes finding the replaced rows)");
    System.out.println();
  }

  private static void ceiling(TableStore tables, int totalRows) {
    String path = "graphs/bench/nodes/Ceiling.lance";
    long version = tables.create(path, NODE, "id");
    int batchRows = 100_000;
    long t0 = System.nanoTime();
    StagedWrite staged = null;
    long buildNanos = 0;
    for (int start = 0; start < totalRows; start += batchRows) {
      long b0 = System.nanoTime();
      List<Map<String, Object>> rows = rows(start, Math.min(batchRows, totalRows - start), 0);
      try (VectorSchemaRoot batch = ArrowRows.toRoot(NODE, rows, tables.allocator())) {
        buildNanos += System.nanoTime() - b0;
        StagedWrite piece = tables.stageAppend(path, version, batch);
        staged = staged == null ? piece : staged.concat(piece);
      }
    }
    long t1 = System.nanoTime();
    version = tables.commit(staged, UUID.randomUUID(), Map.of());
    long t2 = System.nanoTime();
    double seconds = (t2 - t0) / 1e9;
    System.out.println(
        "Raw staged-write ceiling (append staged in pieces of 100k rows, one commit)");
    System.out.printf(
        "  %-10s %10s %10s %12s %16s%n", "rows", "stage ms", "commit ms", "rows/s", "write rows/s");
    System.out.printf(
        "  %-10d %10.0f %10.1f %,12.0f %,16.0f%n",
        totalRows,
        (t1 - t0) / 1e6,
        (t2 - t1) / 1e6,
        totalRows / seconds,
        totalRows / (seconds - buildNanos / 1e9));
    System.out.printf(
        "  (write rows/s leaves out building the rows and Arrow batches; table has %d rows at version %d)%n",
        tables.count(path, version), version);
  }

  /** Rows {@code start..start+count-1}; {@code salt} varies the values between runs. */
  static List<Map<String, Object>> rows(int start, int count, int salt) {
    List<Map<String, Object>> rows = new ArrayList<>(count);
    for (int i = start; i < start + count; i++) {
      Map<String, Object> row = new HashMap<>(8);
      row.put("id", "n" + i);
      row.put("name", "person-" + i);
      row.put("age", (i + salt) % 100);
      row.put("score", (i % 1000) / 10.0 + salt);
      rows.add(row);
    }
    return rows;
  }
}
