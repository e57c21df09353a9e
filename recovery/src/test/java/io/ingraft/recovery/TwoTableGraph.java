package io.ingraft.recovery;

import io.ingraft.storage.GraphId;
import io.ingraft.storage.GraphLayout;
import io.ingraft.storage.TableKey;
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
import io.ingraft.storage.table.ScanSpec;
import io.ingraft.storage.table.StagedWrite;
import io.ingraft.storage.table.TableStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A small graph with two tables, opened the way a writer process opens it, for the crash matrix.
 * Batch {@code n} upserts the five rows {@code a0..a4} of table A with {@code v = n} and appends
 * five new rows {@code b<n>-0..4} to table B, and advances source {@code log:0} to {@code 10n}. So
 * after batches 1..k exactly once: A = five rows with v = k, B = 5k rows, next offset 10k.
 */
final class TwoTableGraph implements AutoCloseable {
  static final GraphId GRAPH = GraphId.of("crash");
  static final String A = "nodes/A";
  static final String B = "nodes/B";
  static final String SOURCE = "log:0";
  static final Schema SCHEMA =
      new Schema(
          List.of(
              Field.notNullable("id", ArrowType.Utf8.INSTANCE),
              Field.notNullable("v", new ArrowType.Int(64, true))));

  final ObjectStore store;
  final TableStore tables;
  final ManifestLog log;
  final SidecarStore sidecars;
  final RecoveryAudit audit;
  final RecoverySweep sweep;
  final GuardedCommit guarded;
  private final GraphLayout layout = new GraphLayout(GRAPH);

  TwoTableGraph(Path root) {
    store = new LocalObjectStore(root);
    tables = new TableStore(store);
    log = new ManifestLog(store, GRAPH);
    sidecars = new SidecarStore(store);
    audit = new RecoveryAudit(tables);
    sweep = new RecoverySweep(tables, sidecars, audit, Clock.systemUTC());
    guarded = new GuardedCommit(tables, sidecars, Clock.systemUTC());
  }

  String path(String key) {
    return layout.tablePath(TableKey.of(key));
  }

  /** Creates both tables and the graph's first manifest version (epoch 0). */
  void create() {
    WriterEpoch creator = new WriterEpoch("creator", 0);
    ManifestChange.Builder change =
        ManifestChange.builder(creator, CommitInfo.of(CommitKind.CREATE, "create", "test"));
    for (String key : List.of(A, B)) {
      long v = tables.create(path(key), SCHEMA, "id");
      change.pin(key, new TablePin(path(key), v, 0));
    }
    log.create(change.build());
  }

  /** Stages and commits batch {@code n} through the guarded protocol. */
  Manifest applyBatch(WriterEpoch owner, int n) {
    Manifest base = log.require();
    return guarded.commit(log, base, owner, plan(base, n));
  }

  CommitPlan plan(Manifest base, int n) {
    List<Map<String, Object>> aRows = new ArrayList<>();
    List<Map<String, Object>> bRows = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      aRows.add(Map.of("id", "a" + i, "v", (long) n));
      bRows.add(Map.of("id", "b" + n + "-" + i, "v", (long) n));
    }
    StagedWrite a;
    StagedWrite b;
    try (VectorSchemaRoot rows = ArrowRows.toRoot(SCHEMA, aRows, tables.allocator())) {
      a = tables.stageUpsert(path(A), base.table(A).orElseThrow().version(), "id", rows);
    }
    try (VectorSchemaRoot rows = ArrowRows.toRoot(SCHEMA, bRows, tables.allocator())) {
      b = tables.stageAppend(path(B), base.table(B).orElseThrow().version(), rows);
    }
    return new CommitPlan(
        SidecarKind.MUTATION,
        List.of(new TableWrite(A, a), new TableWrite(B, b)),
        null,
        null,
        Map.of(SOURCE, 10L * n),
        new CommitInfo(
            CommitKind.MUTATION, "batch-" + n, 10, 10L * (n - 1), 10L * n - 1, "test", false));
  }

  /** The published state, read through the latest manifest's pins only. */
  State state() {
    Manifest m = log.require();
    TablePin a = m.table(A).orElseThrow();
    TablePin b = m.table(B).orElseThrow();
    Map<String, Long> aValues = new HashMap<>();
    for (Map<String, Object> row : tables.readRows(a.path(), a.version(), ScanSpec.all())) {
      Long previous = aValues.put((String) row.get("id"), (Long) row.get("v"));
      if (previous != null) {
        throw new AssertionError("duplicate key " + row.get("id") + " in A");
      }
    }
    List<String> bIds = new ArrayList<>();
    for (Map<String, Object> row : tables.readRows(b.path(), b.version(), ScanSpec.all())) {
      bIds.add((String) row.get("id"));
    }
    bIds.sort(Comparator.naturalOrder());
    return new State(aValues, bIds, m.nextOffset(SOURCE), a.rowCount(), b.rowCount());
  }

  /** The state after batches 1..k, each applied exactly once. */
  static State expectedAfter(int k) {
    Map<String, Long> a = new HashMap<>();
    for (int i = 0; i < 5 && k > 0; i++) {
      a.put("a" + i, (long) k);
    }
    List<String> b = new ArrayList<>();
    for (int n = 1; n <= k; n++) {
      for (int i = 0; i < 5; i++) {
        b.add("b" + n + "-" + i);
      }
    }
    b.sort(Comparator.naturalOrder());
    return new State(a, b, 10L * k, a.size(), 5L * k);
  }

  record State(
      Map<String, Long> a, List<String> b, long nextOffset, long aRowCount, long bRowCount) {}

  @Override
  public void close() {
    tables.close();
    store.close();
  }
}
