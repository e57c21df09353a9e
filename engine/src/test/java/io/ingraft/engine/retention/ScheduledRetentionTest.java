package io.ingraft.engine.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.engine.EngineListener;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.MaintenancePolicy;
import io.ingraft.engine.load.LoadSources;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import io.ingraft.storage.table.VersionCleanup;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The owner's retention schedule ({@link RetentionSchedule}): an engine whose maintenance policy
 * has one removes the history beyond the retention of the graphs it writes by itself, beside its
 * writes, and the graph stays whole; without one, nothing is removed.
 */
class ScheduledRetentionTest {
  static final GraphId G = GraphGcRecoveryTest.G;
  static final String PERSON = GraphGcRecoveryTest.PERSON;
  static final int BATCHES = 12;

  @TempDir Path root;

  @Test
  void theOwnerDropsTheHistoryBeyondItsRetentionOnItsOwn() {
    List<GcReport> runs = new CopyOnWriteArrayList<>();
    EngineListener listener =
        new EngineListener() {
          @Override
          public void collected(GraphId graph, GcReport report, Duration took) {
            runs.add(report);
          }
        };
    MaintenancePolicy policy =
        MaintenancePolicy.OFF.withRetention(
            // The default orphan age: the writer's own staged files, between their staging and
            // their commit, are unreferenced files too young to go.
            RetentionSchedule.every(Duration.ofMillis(1), new RetentionPolicy(3, null, null)));
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store);
        GraphEngine engine =
            new GraphEngine(
                store,
                tables,
                "owner",
                Clock.systemUTC(),
                policy,
                LoadSources.DISABLED,
                listener)) {
      engine.createGraph(G, GraphGcRecoveryTest.SCHEMA);
      for (long offset = 0; offset < BATCHES; offset++) {
        engine.apply(G, GraphGcRecoveryTest.batch(offset));
      }
      ManifestLog log = new ManifestLog(store, G);
      long latest = log.require().version();
      long oldestKeptPin = log.read(latest - 2).table("nodes/Person").orElseThrow().version();
      VersionCleanup lance = new VersionCleanup(store, tables.allocator());
      // A run starts after a batch when none is going; an empty batch gives the schedule its turn
      // once the last run is over, without publishing anything.
      awaitTrue(
          () -> {
            engine.apply(G, List.of());
            return log.versions().get(0) >= latest - 2;
          });
      // Closing the engine waits for a run still going (the one that dropped those manifests goes
      // on to the tables' versions), so what is checked below no longer moves.
      engine.close();

      assertThat(log.versions()).containsExactly(latest - 2, latest - 1, latest);
      assertThat(lance.versions(PERSON))
          .as("the table's versions below the oldest kept manifest's pin are gone too")
          .first()
          .isEqualTo(oldestKeptPin);
      assertThat(runs).isNotEmpty();
      for (long offset = 0; offset < BATCHES; offset++) {
        assertThat(engine.snapshot(G).node("Person", "p" + offset)).as("p" + offset).isPresent();
      }
    }
  }

  @Test
  void withoutAScheduleTheHistoryStays() {
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store);
        GraphEngine engine =
            new GraphEngine(store, tables, "owner", Clock.systemUTC(), MaintenancePolicy.OFF)) {
      engine.createGraph(G, GraphGcRecoveryTest.SCHEMA);
      for (long offset = 0; offset < BATCHES; offset++) {
        engine.apply(G, GraphGcRecoveryTest.batch(offset));
      }
      engine.apply(G, List.of());
      ManifestLog log = new ManifestLog(store, G);
      assertThat(log.versions()).first().isEqualTo(1L);
      assertThat(log.versions()).hasSize((int) log.require().version());
    }
  }

  @Test
  void aScheduleRefusesAnOrphanAgeThatCouldTakeTheWritersOwnWriteInFlight() {
    assertThatThrownBy(
            () ->
                RetentionSchedule.every(
                    Duration.ofMinutes(10), new RetentionPolicy(3, null, Duration.ofMinutes(59))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least PT1H");
  }

  private static void awaitTrue(BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("the retention ran within 30 s").isLessThan(deadline);
      LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
    }
  }
}
