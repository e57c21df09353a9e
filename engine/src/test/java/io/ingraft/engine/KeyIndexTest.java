package io.ingraft.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.CommitKind;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.manifest.TablePin;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.KeyIndex;
import io.ingraft.storage.table.TableStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The owner's key → row-address index against real Lance tables: writes by key find their rows
 * through it, it is advanced (not rebuilt) over each publish and compaction, and it always equals a
 * fresh scan of {@code key,_rowaddr}.
 */
class KeyIndexTest {
  private static final String SCHEMA =
      """
      node N {
        id: String @key
        v: I64?
      }
      edge E: N -> N
      """;
  private static final GraphId G = GraphId.of("g");

  private Path root;
  private ObjectStore store;
  private TableStore tables;
  private int events;

  @BeforeEach
  void open() throws Exception {
    root = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "keyindex-");
    store = new LocalObjectStore(root);
    tables = new TableStore(store);
  }

  @AfterEach
  void close() throws Exception {
    tables.close();
    store.close();
  }

  private GraphEngine engine(MaintenancePolicy policy) {
    return new GraphEngine(store, tables, "w", Clock.systemUTC(), policy);
  }

  @SafeVarargs
  private void apply(GraphEngine engine, List<Op>... batch) {
    List<GraphEvent> list = new ArrayList<>();
    for (List<Op> ops : batch) {
      list.add(new GraphEvent("g", "e" + events++, null, null, new EventBody.Mutation(ops)));
    }
    BatchResult result = engine.apply(G, list);
    assertThat(result.count(EventResult.Status.REJECTED)).as("rejected: %s", result).isZero();
  }

  private static Op upsert(int key, long v) {
    return new Op.UpsertNode("N", Map.of("id", "n" + key, "v", v));
  }

  private static List<Op> upserts(int from, int to, long v) {
    List<Op> ops = new ArrayList<>();
    for (int i = from; i < to; i++) {
      ops.add(upsert(i, v));
    }
    return ops;
  }

  private TablePin pin(String table) {
    return new ManifestLog(store, G).require().table(table).orElseThrow();
  }

  /** The engine's cached index of a table: at the pinned version, and equal to a fresh scan. */
  private KeyIndex checkIndex(GraphEngine engine, String table, String keyColumn) {
    TablePin pin = pin(table);
    KeyIndex cached = engine.handleOf(G).cachedKeyIndex(pin.path());
    assertThat(cached).as("index of %s is cached", table).isNotNull();
    assertThat(cached.isAt(pin.path(), pin.version()))
        .as("index %s is at the pinned version %s", cached, pin.version())
        .isTrue();
    Map<Object, Long> scanned = tables.keyIndex(pin.path(), pin.version(), keyColumn).toMap();
    assertThat(cached.toMap()).isEqualTo(scanned);
    return cached;
  }

  private Map<Object, Long> values(GraphEngine engine) {
    Map<Object, Long> values = new HashMap<>();
    for (Map<String, Object> row : engine.snapshot(G).nodes("N", null, null)) {
      values.put(row.get("id"), (Long) row.get("v"));
    }
    return values;
  }

  @Test
  void upsertsOfExistingKeysReplaceTheirRowsThroughTheIndexAdvancedWithoutARebuild() {
    GraphEngine engine = engine(MaintenancePolicy.OFF);
    engine.createGraph(G, SCHEMA);
    apply(engine, upserts(0, 100, 0));
    KeyIndex first = checkIndex(engine, "nodes/N", "id");
    apply(engine, upserts(20, 50, 1));
    apply(engine, upserts(40, 120, 2));
    assertThat(checkIndex(engine, "nodes/N", "id")).as("advanced in place").isSameAs(first);
    Map<Object, Long> values = values(engine);
    assertThat(values).hasSize(120);
    assertThat(values.get("n10")).isZero();
    assertThat(values.get("n30")).isEqualTo(1L);
    assertThat(values.get("n45")).isEqualTo(2L);
    assertThat(values.get("n119")).isEqualTo(2L);
  }

  @Test
  void deletesAndUpdatesFindTheirRowsAndCascadeToEdges() {
    GraphEngine engine = engine(MaintenancePolicy.OFF);
    engine.createGraph(G, SCHEMA);
    apply(engine, upserts(0, 50, 0));
    apply(
        engine,
        List.of(new Op.InsertEdge("E", "n1", "n2", Map.of(), "a")),
        List.of(new Op.InsertEdge("E", "n3", "n4", Map.of(), "b")));
    List<Op> deletes = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      deletes.add(new Op.DeleteNode("N", "n" + i));
    }
    apply(engine, deletes, List.of(new Op.UpdateNode("N", "n20", Map.of("v", 7L))));
    Map<Object, Long> values = values(engine);
    assertThat(values).hasSize(40).doesNotContainKey("n3").containsEntry("n20", 7L);
    assertThat(engine.snapshot(G).edges("E", null)).isEmpty();
    checkIndex(engine, "nodes/N", "id");
    checkIndex(engine, "edges/E", "id");
  }

  /**
   * A batch deleting many nodes reads their edges in one scan: with one IN list per endpoint column
   * up to {@code SqlLiterals.CHUNK} keys (1,500 here), past it matched in memory (11,000).
   */
  @ParameterizedTest
  @CsvSource({"3000, 1000, 2500", "24000, 2000, 13000"})
  void aBatchDeletingManyNodesTakesExactlyTheirEdges(int nodes, int deleteFrom, int deleteTo) {
    GraphEngine engine = engine(MaintenancePolicy.OFF);
    engine.createGraph(G, SCHEMA);
    apply(engine, upserts(0, nodes, 0));
    // A chain n0 -> n1 -> ... plus an edge from each node back to n0, in two batches (two
    // fragments of the edge table).
    List<List<Op>> edges = new ArrayList<>();
    for (int i = 0; i + 1 < nodes; i++) {
      edges.add(List.of(new Op.InsertEdge("E", "n" + i, "n" + (i + 1), Map.of(), "next" + i)));
      edges.add(List.of(new Op.InsertEdge("E", "n" + (i + 1), "n0", Map.of(), "home" + (i + 1))));
    }
    apply(engine, edges.subList(0, nodes).toArray(List[]::new));
    apply(engine, edges.subList(nodes, edges.size()).toArray(List[]::new));
    List<Op> deletes = new ArrayList<>();
    for (int i = deleteFrom; i < deleteTo; i++) {
      deletes.add(new Op.DeleteNode("N", "n" + i));
    }
    apply(engine, deletes);

    Set<Object> left = new HashSet<>();
    for (Map<String, Object> edge : engine.snapshot(G).edges("E", null)) {
      left.add(edge.get("id"));
    }
    Set<Object> expected = new HashSet<>();
    for (int i = 0; i + 1 < nodes; i++) {
      boolean iGone = i >= deleteFrom && i < deleteTo;
      boolean nextGone = i + 1 >= deleteFrom && i + 1 < deleteTo;
      if (!iGone && !nextGone) {
        expected.add("next" + i);
      }
      if (!nextGone) {
        expected.add("home" + (i + 1)); // from n(i+1) to n0, which stays
      }
    }
    assertThat(left).isEqualTo(expected);
    assertThat(values(engine)).hasSize(nodes - (deleteTo - deleteFrom));
    checkIndex(engine, "nodes/N", "id");
    checkIndex(engine, "edges/E", "id");
  }

  @Test
  void anUpsertAndADeleteOfOneKeyInOneBatchEndAsTheLastSays() {
    GraphEngine engine = engine(MaintenancePolicy.OFF);
    engine.createGraph(G, SCHEMA);
    apply(engine, upserts(0, 10, 0));
    apply(
        engine,
        List.of(upsert(5, 1)),
        List.of(new Op.DeleteNode("N", "n5")),
        List.of(new Op.DeleteNode("N", "n6")),
        List.of(upsert(6, 2)),
        List.of(upsert(7, 3), new Op.DeleteNode("N", "n7"), upsert(7, 4)));
    Map<Object, Long> values = values(engine);
    assertThat(values).hasSize(9).doesNotContainKey("n5");
    assertThat(values).containsEntry("n6", 2L).containsEntry("n7", 4L);
    checkIndex(engine, "nodes/N", "id");
  }

  @Test
  void updatesAfterACompactionUseTheRemappedIndex() {
    GraphEngine engine = engine(new MaintenancePolicy(3, 0.5, 1, 1000));
    engine.createGraph(G, SCHEMA);
    apply(engine, upserts(0, 100, 0));
    KeyIndex first = checkIndex(engine, "nodes/N", "id");
    for (int batch = 1; batch <= 8; batch++) {
      apply(engine, upserts(batch * 10, batch * 10 + 10, batch));
      checkIndex(engine, "nodes/N", "id");
    }
    ManifestLog log = new ManifestLog(store, G);
    List<CommitKind> kinds = new ArrayList<>();
    for (long v : log.versions()) {
      kinds.add(log.read(v).commit().kind());
    }
    assertThat(kinds).contains(CommitKind.MAINTENANCE);
    assertThat(checkIndex(engine, "nodes/N", "id")).as("remapped, not rebuilt").isSameAs(first);
    List<Op> updates = new ArrayList<>();
    for (int i = 0; i < 100; i += 3) {
      updates.add(new Op.UpdateNode("N", "n" + i, Map.of("v", 100L + i)));
    }
    apply(engine, updates);
    Map<Object, Long> values = values(engine);
    assertThat(values).hasSize(100).containsEntry("n0", 100L).containsEntry("n99", 199L);
    assertThat(values.get("n1")).isZero();
    assertThat(values.get("n11")).isEqualTo(1L);
    checkIndex(engine, "nodes/N", "id");
  }

  @Test
  void aNewOwnerRebuildsTheIndexAndReplacesTheSameRows() {
    GraphEngine first = engine(MaintenancePolicy.OFF);
    first.createGraph(G, SCHEMA);
    apply(first, upserts(0, 60, 0));
    apply(first, upserts(0, 30, 1));
    Map<Object, Long> before = values(first);

    GraphEngine second = engine(MaintenancePolicy.OFF);
    second.takeOver(G);
    apply(second, upserts(10, 20, 2));
    checkIndex(second, "nodes/N", "id");
    Map<Object, Long> expected = new HashMap<>(before);
    for (int i = 10; i < 20; i++) {
      expected.put("n" + i, 2L);
    }
    assertThat(values(second)).isEqualTo(expected);
    assertThat(engine(MaintenancePolicy.OFF).snapshot(G).count("N")).isEqualTo(60);
  }

  @Test
  void releaseDropsTheHandleAndItsCaches() {
    GraphEngine engine = engine(MaintenancePolicy.OFF);
    engine.createGraph(G, SCHEMA);
    apply(engine, upserts(0, 10, 0));
    assertThat(engine.handleOf(G)).isNotNull();
    assertThat(engine.handleOf(G).cachedKeyIndex(pin("nodes/N").path())).isNotNull();
    engine.release(G);
    assertThat(engine.handleOf(G)).isNull();
    assertThat(engine.ownedVersion(G)).isEqualTo(-1);
    // Reads of a graph it does not hold leave nothing behind.
    assertThat(engine.snapshot(G).count("N")).isEqualTo(10);
    assertThat(engine.exists(G)).isTrue();
    assertThat(engine.handleOf(G)).isNull();
    // The next write takes it over again and builds the index again.
    apply(engine, upserts(5, 15, 1));
    assertThat(values(engine)).hasSize(15).containsEntry("n5", 1L).containsEntry("n4", 0L);
    checkIndex(engine, "nodes/N", "id");
  }

  @Test
  void theIndexEqualsAFreshScanAfterEveryBatchOfARandomMix() {
    GraphEngine engine = engine(new MaintenancePolicy(4, 0.3, 5, 64));
    engine.createGraph(G, SCHEMA);
    Random random = new Random(15);
    Map<Object, Long> model = new HashMap<>();
    for (int batch = 0; batch < 40; batch++) {
      List<List<Op>> events = new ArrayList<>();
      int n = 1 + random.nextInt(30);
      for (int e = 0; e < n; e++) {
        int key = random.nextInt(150);
        String id = "n" + key;
        long v = batch * 1000L + e;
        int kind = random.nextInt(10);
        if (kind < 5) {
          events.add(List.of(upsert(key, v)));
          model.put(id, v);
        } else if (kind < 7) {
          events.add(List.of(new Op.DeleteNode("N", id)));
          model.remove(id);
        } else if (kind < 9 && model.containsKey(id)) {
          events.add(List.of(new Op.UpdateNode("N", id, Map.of("v", v))));
          model.put(id, v);
        } else {
          // Upsert and delete of one key in one event, in either order.
          if (random.nextBoolean()) {
            events.add(List.of(upsert(key, v), new Op.DeleteNode("N", id)));
            model.remove(id);
          } else {
            events.add(List.of(new Op.DeleteNode("N", id), upsert(key, v)));
            model.put(id, v);
          }
        }
      }
      @SuppressWarnings("unchecked")
      List<Op>[] array = events.toArray(new List[0]);
      apply(engine, array);
      checkIndex(engine, "nodes/N", "id");
      assertThat(values(engine)).as("after batch %s", batch).isEqualTo(model);
    }
    ManifestLog log = new ManifestLog(store, G);
    long maintenance =
        log.versions().stream()
            .filter(v -> log.read(v).commit().kind() == CommitKind.MAINTENANCE)
            .count();
    assertThat(maintenance).as("compactions in the mix").isPositive();
  }
}
