package io.ingraft.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.engine.load.LoadSources;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.CommitKind;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.manifest.TablePin;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Compactions staged on the engine's compaction thread while the graph's batches go on: a later
 * batch commits them over the appends that came in between, and one whose fragments changed is
 * dropped and done inline instead, never bringing back a deleted row.
 */
class BackgroundCompactionTest {
  private static final GraphId G = GraphId.of("g");
  private static final String TABLE = "nodes/N";

  private Path root;
  private ObjectStore store;
  private TableStore tables;
  private final List<Long> compactedVersions = new CopyOnWriteArrayList<>();
  private GraphEngine engine;
  private int nextKey;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "bgcompact-");
    store = new LocalObjectStore(root);
    tables = new TableStore(store);
    // At most 4-6 small fragments (below 1,000 rows); deletions alone never trigger.
    MaintenancePolicy policy = new MaintenancePolicy(4, 0.5, Long.MAX_VALUE, 1000).inBackground();
    EngineListener listener =
        new EngineListener() {
          @Override
          public void compacted(GraphId graph, String table, long version, Duration took) {
            compactedVersions.add(version);
          }
        };
    engine =
        new GraphEngine(
            store, tables, "w", Clock.systemUTC(), policy, LoadSources.DISABLED, listener);
    engine.createGraph(G, "node N { id: String @key\n v: I64? }\n");
  }

  @AfterEach
  void tearDown() throws Exception {
    engine.close();
    tables.close();
    store.close();
  }

  @Test
  void aCompactionStagedInTheBackgroundIsCommittedByALaterBatchOverItsAppends() throws Exception {
    OpenGraph.StagingCompaction staging = appendUntilACompactionIsStaging();
    assertThat(compactedVersions).as("nothing compacted inline").isEmpty();
    staging.staged().get(30, TimeUnit.SECONDS);

    appendBatch(); // its publish commits the staged compaction after its own

    assertThat(compactedVersions).hasSize(1);
    ManifestLog log = new ManifestLog(store, G);
    Manifest compaction = log.require();
    assertThat(compaction.commit().kind()).isEqualTo(CommitKind.MAINTENANCE);
    TablePin pin = compaction.table(TABLE).orElseThrow();
    // Staged at R, the batch after it committed R + 1, the compaction R + 2.
    assertThat(pin.version()).isEqualTo(staging.readVersion() + 2);
    assertThat(tables.stats(pin.path(), pin.version(), 1000).fragments())
        .as("the staged fragments became one; the last batch's stays")
        .isEqualTo(2);
    assertThat(engine.snapshot(G).count("N")).isEqualTo(nextKey);

    // The key index followed the moved rows: an upsert of an early key replaces its row.
    apply(new Op.UpsertNode("N", Map.of("id", "n0", "v", 99)));
    assertThat(engine.snapshot(G).count("N")).isEqualTo(nextKey);
    assertThat(engine.snapshot(G).node("N", "n0"))
        .get()
        .satisfies(r -> assertThat(r).containsEntry("v", 99L));
  }

  @Test
  void aStagedCompactionOlderThanHalfTheShortestOrphanAgeIsDroppedNotCommitted() throws Exception {
    OpenGraph.StagingCompaction staging = appendUntilACompactionIsStaging();
    staging.staged().get(30, TimeUnit.SECONDS);
    // As if the graph had had no batch to commit it with for longer than that: gc may have taken
    // its files, unreferenced all that time, for orphans.
    long longAgo = System.nanoTime() - GraphEngine.STALE_COMPACTION.plusSeconds(1).toNanos();
    engine
        .handleOf(G)
        .startCompaction(
            tablePath(),
            new OpenGraph.StagingCompaction(staging.readVersion(), longAgo, staging.staged()));

    appendBatch();

    assertThat(compactedVersions).as("the stale compaction is not committed").isEmpty();
    assertThat(new ManifestLog(store, G).require().commit().kind())
        .isNotEqualTo(CommitKind.MAINTENANCE);
    assertThat(engine.snapshot(G).count("N")).isEqualTo(nextKey);
  }

  @Test
  void aStagedCompactionWhoseFragmentsChangedIsDroppedAndTheTableCompactsInlineAfter()
      throws Exception {
    OpenGraph.StagingCompaction staging = appendUntilACompactionIsStaging();
    staging.staged().get(30, TimeUnit.SECONDS);

    // n0 is in the first fragment, which the staged compaction rewrote with n0 in it.
    apply(new Op.DeleteNode("N", "n0"));

    assertThat(compactedVersions).as("the staged compaction is not committed").isEmpty();
    assertThat(engine.handleOf(G).compactsInline(tablePath())).isTrue();
    assertThat(engine.snapshot(G).node("N", "n0")).isEmpty();

    appendBatch(); // still over the limit: compacted inline, at once

    assertThat(compactedVersions).hasSize(1);
    assertThat(new ManifestLog(store, G).require().commit().kind())
        .isEqualTo(CommitKind.MAINTENANCE);
    assertThat(engine.snapshot(G).node("N", "n0")).as("the deleted row stays deleted").isEmpty();
    assertThat(engine.snapshot(G).count("N")).isEqualTo(nextKey - 1);
    // Updates touch this table's fragments: its compactions stay inline from now on.
    assertThat(engine.handleOf(G).compactsInline(tablePath())).isTrue();
  }

  @Test
  void closeLeavesNoCompactionRunning() throws Exception {
    OpenGraph.StagingCompaction staging = appendUntilACompactionIsStaging();

    engine.close();

    // Done or dropped: nothing writes through the table store once close has returned.
    assertThat(staging.staged().isDone()).isTrue();
    engine.close(); // idempotent
    // Batches after close still publish; only compactions are no longer started.
    appendBatch();
    assertThat(engine.snapshot(G).count("N")).isEqualTo(nextKey);
  }

  /** Appends batches of new keys, one fragment each, until one starts a background compaction. */
  private OpenGraph.StagingCompaction appendUntilACompactionIsStaging() {
    for (int batch = 0; batch < 20; batch++) {
      appendBatch();
      OpenGraph.StagingCompaction staging = engine.handleOf(G).stagingCompaction(tablePath());
      if (staging != null) {
        return staging;
      }
    }
    throw new AssertionError("no compaction was started in 20 batches");
  }

  /** Where the N table lives (its path in the manifest). */
  private String tablePath() {
    return new ManifestLog(store, G).require().table(TABLE).orElseThrow().path();
  }

  private void appendBatch() {
    List<Op> ops = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ops.add(new Op.UpsertNode("N", Map.of("id", "n" + nextKey++, "v", 1)));
    }
    apply(ops.toArray(Op[]::new));
  }

  private void apply(Op... ops) {
    engine.apply(
        G,
        List.of(
            new GraphEvent(
                "g", "e" + System.nanoTime(), null, null, new EventBody.Mutation(List.of(ops)))));
  }
}
