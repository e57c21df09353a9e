package io.ingraft.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.CommitKind;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.manifest.TablePin;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStats;
import io.ingraft.storage.table.TableStore;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Upserts accumulate fragments and deletion files; the owner compacts between batches. */
class MaintenanceTest {
  @Test
  void aTablePastTheThresholdIsCompactedBetweenBatchesWithoutChangingTheGraph() throws Exception {
    Path root = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "maint-");
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      GraphId g = GraphId.of("g");
      GraphEngine engine =
          new GraphEngine(
              store, tables, "w", Clock.systemUTC(), new MaintenancePolicy(4, 0.5, 1, 1000));
      engine.createGraph(g, "node N { id: String @key\n v: I64? }\n");
      List<Op> initial = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        initial.add(new Op.UpsertNode("N", Map.of("id", "n" + i, "v", 0)));
      }
      engine.apply(
          g, List.of(new GraphEvent("g", "init", null, null, new EventBody.Mutation(initial))));
      // Each batch replaces ten other keys: a new fragment, and deletions in the first one.
      for (int batch = 1; batch <= 6; batch++) {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          ops.add(new Op.UpsertNode("N", Map.of("id", "n" + (batch * 10 + i), "v", batch)));
        }
        engine.apply(
            g, List.of(new GraphEvent("g", "b" + batch, null, null, new EventBody.Mutation(ops))));
      }
      ManifestLog log = new ManifestLog(store, g);
      List<CommitKind> kinds = new ArrayList<>();
      for (long v : log.versions()) {
        kinds.add(log.read(v).commit().kind());
      }
      assertThat(kinds).contains(CommitKind.MAINTENANCE);
      Manifest latest = log.require();
      TablePin pin = latest.table("nodes/N").orElseThrow();
      TableStats stats = tables.stats(pin.path(), pin.version(), 1000);
      assertThat(stats.fragments()).as("fragments after compaction").isLessThanOrEqualTo(4);
      assertThat(stats.rows()).isEqualTo(100);

      // The graph is unchanged by compaction, and writes go on (the key index moved along).
      assertThat(engine.snapshot(g).nodes("N", null, null))
          .hasSize(100)
          .allSatisfy(
              row ->
                  assertThat(row.get("v"))
                      .isEqualTo(
                          Long.parseLong(((String) row.get("id")).substring(1)) / 10 <= 6
                              ? Long.parseLong(((String) row.get("id")).substring(1)) / 10
                              : 0L));
      engine.apply(
          g,
          List.of(
              new GraphEvent(
                  "g",
                  "last",
                  null,
                  null,
                  new EventBody.Mutation(
                      List.of(new Op.UpsertNode("N", Map.of("id", "n0", "v", 99)))))));
      assertThat(engine.snapshot(g).count("N")).isEqualTo(100);
      assertThat(engine.snapshot(g).node("N", "n0"))
          .get()
          .satisfies(r -> assertThat(r).containsEntry("v", 99L));
      StringWriter export = new StringWriter();
      engine.snapshot(g).export(export);
      assertThat(export.toString().lines()).hasSize(100);
    }
  }

  @Test
  void appendsAreCountedTowardsTheFragmentLimitAcrossCompactions() throws Exception {
    Path root = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "maint-");
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      GraphId g = GraphId.of("g");
      // Only the fragment count can trigger: appends delete nothing.
      MaintenancePolicy policy = new MaintenancePolicy(3, 0.5, Long.MAX_VALUE, 1000);
      GraphEngine engine = new GraphEngine(store, tables, "w", Clock.systemUTC(), policy);
      engine.createGraph(g, "node N { id: String @key\n v: I64? }\n");
      ManifestLog log = new ManifestLog(store, g);
      int limit = (int) policy.fragmentLimit(log.require().table("nodes/N").orElseThrow().path());
      List<Integer> compactedAfter = new ArrayList<>();
      for (int batch = 1; batch <= 2 * limit + 1; batch++) {
        long before = log.require().version();
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          ops.add(new Op.UpsertNode("N", Map.of("id", "n" + (batch * 10 + i), "v", batch)));
        }
        engine.apply(
            g, List.of(new GraphEvent("g", "b" + batch, null, null, new EventBody.Mutation(ops))));
        for (long v = before + 1; v <= log.require().version(); v++) {
          if (log.read(v).commit().kind() == CommitKind.MAINTENANCE) {
            compactedAfter.add(batch);
          }
        }
      }
      // One new fragment per batch: past the limit after batch limit + 1; compacted to one, past
      // it again limit batches later. The second compaction merges the limit new fragments and
      // leaves the first one's, which holds more rows than they do together (size tiers).
      assertThat(compactedAfter).containsExactly(limit + 1, 2 * limit + 1);
      TablePin pin = log.require().table("nodes/N").orElseThrow();
      assertThat(tables.stats(pin.path(), pin.version(), 1000).fragments()).isEqualTo(2);
      assertThat(engine.snapshot(g).count("N")).isEqualTo(10L * (2 * limit + 1));
    }
  }

  @Test
  void onlySmallFragmentsAreRewrittenAndLargeOnesStay() throws Exception {
    Path root = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "maint-");
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      GraphId g = GraphId.of("g");
      // Small is below 100 rows: the first batch's fragment (100 rows) is large.
      MaintenancePolicy policy = new MaintenancePolicy(3, 0.5, Long.MAX_VALUE, 100);
      GraphEngine engine = new GraphEngine(store, tables, "w", Clock.systemUTC(), policy);
      engine.createGraph(g, "node N { id: String @key\n v: I64? }\n");
      ManifestLog log = new ManifestLog(store, g);
      int limit = (int) policy.fragmentLimit(log.require().table("nodes/N").orElseThrow().path());
      int next = 0;
      for (int batch = 0; batch <= limit + 1; batch++) {
        int size = batch == 0 ? 100 : 10;
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < size; i++) {
          ops.add(new Op.UpsertNode("N", Map.of("id", "n" + next++, "v", batch)));
        }
        engine.apply(
            g, List.of(new GraphEvent("g", "b" + batch, null, null, new EventBody.Mutation(ops))));
      }
      // Past the limit of small fragments: they merged into one of 10 rows each, the large one
      // untouched. A rewrite of the whole table would leave a single fragment.
      Manifest latest = log.require();
      assertThat(latest.commit().kind()).isEqualTo(CommitKind.MAINTENANCE);
      TablePin pin = latest.table("nodes/N").orElseThrow();
      TableStats stats = tables.stats(pin.path(), pin.version(), 100);
      assertThat(stats.fragments()).isEqualTo(2);
      assertThat(stats.smallFragments()).isEqualTo(1);
      long rows = 100 + 10L * (limit + 1);
      assertThat(stats.rows()).isEqualTo(rows);
      assertThat(pin.rowCount()).isEqualTo(rows);
      assertThat(engine.snapshot(g).count("N")).isEqualTo(rows);
      assertThat(engine.snapshot(g).node("N", "n" + (rows - 1)))
          .get()
          .satisfies(r -> assertThat(r).containsEntry("v", (long) limit + 1));
    }
  }

  @Test
  void tablesGetLimitsSpreadBetweenTheMaximumAndHalfAsMuchAgain() {
    MaintenancePolicy policy = MaintenancePolicy.DEFAULT;
    Set<Long> limits = new HashSet<>();
    for (int g = 0; g < 40; g++) {
      long limit = policy.fragmentLimit("graphs/graph-" + g + "/nodes/Person.lance");
      assertThat(limit).isBetween(64L, 96L);
      limits.add(limit);
    }
    assertThat(limits)
        .as("graphs fed alike do not all compact on the same batch")
        .hasSizeGreaterThan(10);
    assertThat(MaintenancePolicy.OFF.fragmentLimit("any")).isEqualTo(Integer.MAX_VALUE);
  }
}
