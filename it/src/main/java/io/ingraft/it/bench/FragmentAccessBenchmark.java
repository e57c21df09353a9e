package io.ingraft.it.bench;

import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.table.ArrowRows;
import io.ingraft.storage.table.KeyIndex;
import io.ingraft.storage.table.StagedWrite;
import io.ingraft.storage.table.TableStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * What a batch of existing keys pays Lance per fragment it touches (prints figures; never a timed
 * test). A table of the engine benchmark's node rows is grown to 1, then 10 (by default) fragments
 * of 500,000 rows; then, for 10,000 keys drawn at random over the whole table, it times the two
 * steps of a write of existing keys that do not depend on the key index: the take of their rows by
 * address (what an update reads) and the staging of their deletion files (one per touched fragment,
 * what an upsert of existing keys writes; staged only, so every round starts from the same
 * version). The median of five rounds after three unmeasured ones.
 *
 * <p>Run: {@code mvn -B -q -DskipTests install && mvn -B -q -pl it exec:exec@fragment-bench}
 * ({@code -Dbench.args="<fragments,fragments,...> [rows=N]"} to change the table sizes and the rows
 * per fragment, at most Lance's 1,048,576 rows per file).
 */
public final class FragmentAccessBenchmark {
  private static final int KEYS = 10_000;
  private static final int WARMUP = 3;
  private static final int ROUNDS = 5;

  /** The engine benchmark's Person nodes, as a table. */
  private static final Schema SCHEMA = EngineBenchmark.personTableSchema();

  private final TableStore tables;
  private final int rowsPerFragment;

  private FragmentAccessBenchmark(TableStore tables, int rowsPerFragment) {
    this.tables = tables;
    this.rowsPerFragment = rowsPerFragment;
  }

  public static void main(String[] rawArgs) throws Exception {
    String[] args = BenchArguments.words(rawArgs);
    int[] sizes =
        Arrays.stream((args.length > 0 ? args[0] : "1,10").split(","))
            .mapToInt(v -> Integer.parseInt(v.trim()))
            .toArray();
    int rowsPerFragment = 500_000;
    for (int i = 1; i < args.length; i++) {
      if (args[i].startsWith("rows=")) {
        rowsPerFragment = Integer.parseInt(args[i].substring("rows=".length()).replace("_", ""));
      } else {
        throw new IllegalArgumentException("unknown option " + args[i] + " (known: rows=N)");
      }
    }
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Files.createDirectories(tmp);
    Path root = Files.createTempDirectory(tmp, "fragment-bench-");
    System.out.printf(
        "Ingraft fragment access benchmark: tables of %s fragments of %,d rows, %,d random keys,"
            + " median of %d rounds after %d%n%n",
        Arrays.toString(sizes), rowsPerFragment, KEYS, ROUNDS, WARMUP);
    List<String> lines = new ArrayList<>();
    try (LocalObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      FragmentAccessBenchmark benchmark = new FragmentAccessBenchmark(tables, rowsPerFragment);
      for (int fragments : sizes) {
        lines.add(benchmark.measure(fragments));
      }
    } finally {
      WorkDirectory.delete(root);
    }
    System.out.printf(
        "%n%-10s %12s %14s %18s %12s%n",
        "fragments", "rows", "take 10k ms", "deletions 10k ms", "per frag");
    lines.forEach(System.out::println);
  }

  private String measure(int fragments) {
    String path = "fragments-" + fragments + ".lance";
    long version = tables.create(path, SCHEMA, "id");
    for (int f = 0; f < fragments; f++) {
      List<Map<String, Object>> rows = new ArrayList<>(rowsPerFragment);
      for (int i = f * rowsPerFragment; i < (f + 1) * rowsPerFragment; i++) {
        rows.add(EngineBenchmark.person(i, 0));
      }
      try (VectorSchemaRoot batch = ArrowRows.toRoot(SCHEMA, rows, tables.allocator())) {
        version =
            tables.commit(tables.stageAppend(path, version, batch), UUID.randomUUID(), Map.of());
      }
    }
    KeyIndex index = tables.keyIndex(path, version, "id");
    Random random = new Random(fragments);
    long[] takes = new long[ROUNDS];
    long[] deletions = new long[ROUNDS];
    int touched = 0;
    for (int round = 0; round < WARMUP + ROUNDS; round++) {
      List<Object> keys = new ArrayList<>(KEYS);
      List<Long> addresses = new ArrayList<>(KEYS);
      for (int i = 0; i < KEYS; i++) {
        String key = "p" + random.nextInt(fragments * rowsPerFragment);
        keys.add(key);
        addresses.add(index.addressOf(key));
      }
      long t0 = System.nanoTime();
      int read = tables.reader().readRowsAt(path, version, addresses).size();
      long t1 = System.nanoTime();
      StagedWrite staged = tables.stageMerge(path, version, "id", null, keys, index);
      long t2 = System.nanoTime();
      if (read != KEYS) {
        throw new IllegalStateException("took " + read + " rows of " + KEYS);
      }
      if (round >= WARMUP) {
        takes[round - WARMUP] = t1 - t0;
        deletions[round - WARMUP] = t2 - t1;
        touched = staged.updatedFragments().size() + staged.removedFragmentIds().size();
      }
    }
    double take = median(takes) / 1e6;
    double delete = median(deletions) / 1e6;
    System.out.printf(
        "%d fragments: take (ms) %s, deletion files (ms) %s, %d fragments touched%n",
        fragments, millis(takes), millis(deletions), touched);
    return String.format(
        "%,-10d %,12d %14.1f %18.1f %12.2f",
        fragments, (long) fragments * rowsPerFragment, take, delete, delete / Math.max(1, touched));
  }

  private static double median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static List<String> millis(long[] values) {
    return Arrays.stream(values).mapToObj(v -> String.format("%.0f", v / 1e6)).toList();
  }
}
