package io.ingraft.engine.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.engine.event.SourcePosition;
import io.ingraft.recovery.Failpoints;
import io.ingraft.recovery.InjectedFailureException;
import io.ingraft.recovery.RecoveryDecision;
import io.ingraft.recovery.RecoveryOutcome;
import io.ingraft.recovery.SidecarStore;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.manifest.TablePin;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code graph gc} next to a write that crashed at a named failpoint: it never removes the staged
 * files of a pending sidecar's write, nor a version the recovery needs, and after it the sweep
 * still rolls the write forward or back; once rolled back, the staged files become orphans that gc
 * removes when they are old enough.
 */
class GraphGcRecoveryTest {
  static final GraphId G = GraphId.of("crashy");
  static final String SCHEMA =
      "node Person { id: String @key n: I64 }\nnode Company { id: String @key n: I64 }\n";
  static final String PERSON = "graphs/crashy/nodes/Person.lance";

  /** As aggressive as gc gets: keep only the latest version, delete staged files of any age. */
  static final RetentionPolicy AGGRESSIVE = new RetentionPolicy(1, null, Duration.ZERO);

  @TempDir Path root;

  @AfterEach
  void disarm() {
    Failpoints.disarmAll();
  }

  @Test
  void stagedFilesOfAPendingSidecarSurviveAndGoOnceRolledBack() {
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      GraphEngine writer = new GraphEngine(store, tables, "writer", Clock.systemUTC());
      writer.createGraph(G, SCHEMA);
      for (long offset = 0; offset < 4; offset++) {
        writer.apply(G, batch(offset));
      }
      Failpoints.arm(Failpoints.AFTER_SIDECAR_WRITE, Failpoints.Action.THROW);
      assertThatThrownBy(() -> writer.apply(G, batch(4)))
          .isInstanceOf(InjectedFailureException.class);
      Failpoints.disarmAll();
      List<String> staged = tables.unreferencedDataFiles(PERSON);
      assertThat(staged).as("the crashed write's staged files").isNotEmpty();
      GraphGc gc = new GraphGc(store, tables, Clock.systemUTC());

      GcReport report = gc.collect(G, AGGRESSIVE, false);

      assertThat(report.manifests().count()).as("older history still goes").isPositive();
      GcReport.TableGc person = table(report, PERSON);
      assertThat(person.orphansRemoved()).isZero();
      assertThat(person.orphansKept()).isEqualTo(staged.size());
      assertThat(person.note()).isEqualTo("pending sidecar");
      staged.forEach(key -> assertThat(store.stat(key)).as(key).isPresent());

      // The sweep rolls the write back; its files are orphans now, but young ones stay.
      GraphEngine owner = new GraphEngine(store, tables, "owner", Clock.systemUTC());
      assertThat(owner.takeOver(G))
          .singleElement()
          .extracting(RecoveryOutcome::decision)
          .isEqualTo(RecoveryDecision.ROLLED_BACK);
      GcReport young =
          gc.collect(
              G, new RetentionPolicy(1, null, RetentionPolicy.DEFAULT_ORPHAN_MIN_AGE), false);
      assertThat(table(young, PERSON).orphansRemoved()).isZero();
      staged.forEach(key -> assertThat(store.stat(key)).as(key).isPresent());

      GcReport old = gc.collect(G, AGGRESSIVE, false);
      assertThat(table(old, PERSON).orphansRemoved()).isEqualTo(staged.size());
      assertThat(table(old, PERSON).orphanBytes()).isPositive();
      staged.forEach(key -> assertThat(store.stat(key)).as(key).isEmpty());
      assertThat(tables.unreferencedDataFiles(PERSON)).isEmpty();

      // The re-delivered batch applies, and the graph reads whole.
      owner.apply(G, batch(4));
      assertThat(owner.snapshot(G).node("Person", "p4")).isPresent();
      assertPinsReadable(store, tables);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "commit.after-sidecar-write, ROLLED_BACK",
    "commit.between-table-commits, ROLLED_BACK",
    "commit.after-table-commits, ROLLED_FORWARD"
  })
  void recoveryAfterGcFinishesTheCrashedWrite(String failpoint, RecoveryDecision decision) {
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      GraphEngine writer = new GraphEngine(store, tables, "writer", Clock.systemUTC());
      writer.createGraph(G, SCHEMA);
      for (long offset = 0; offset < 4; offset++) {
        writer.apply(G, batch(offset));
      }
      Failpoints.arm(failpoint, Failpoints.Action.THROW);
      assertThatThrownBy(() -> writer.apply(G, batch(4)))
          .isInstanceOf(InjectedFailureException.class);
      Failpoints.disarmAll();
      Manifest base = new ManifestLog(store, G).require();

      GcReport report = new GraphGc(store, tables, Clock.systemUTC()).collect(G, AGGRESSIVE, false);
      assertThat(report.oldestKept()).isLessThanOrEqualTo(base.version());
      assertThat(report.tables().stream().mapToLong(GcReport.TableGc::versionsRemoved).sum())
          .isPositive();

      GraphEngine owner = new GraphEngine(store, tables, "owner", Clock.systemUTC());
      assertThat(owner.takeOver(G))
          .singleElement()
          .extracting(RecoveryOutcome::decision)
          .isEqualTo(decision);
      assertThat(new SidecarStore(store).list(G)).isEmpty();
      boolean applied = owner.snapshot(G).node("Person", "p4").isPresent();
      assertThat(applied).isEqualTo(decision == RecoveryDecision.ROLLED_FORWARD);
      if (!applied) {
        owner.apply(G, batch(4)); // the re-delivery
      }
      owner.apply(G, batch(5));
      assertThat(owner.snapshot(G).count("Person")).isEqualTo(6);
      assertThat(owner.snapshot(G).node("Company", "c5")).isPresent();
      new GraphGc(store, tables, Clock.systemUTC()).collect(G, AGGRESSIVE, false);
      assertPinsReadable(store, tables);
    }
  }

  private static void assertPinsReadable(ObjectStore store, TableStore tables) {
    ManifestLog log = new ManifestLog(store, G);
    for (long v : log.versions()) {
      for (TablePin pin : log.read(v).tables().values()) {
        assertThat(tables.count(pin.path(), pin.version())).isEqualTo(pin.rowCount());
        assertThat(tables.headVersion(pin.path())).isGreaterThanOrEqualTo(pin.version());
      }
    }
  }

  private static GcReport.TableGc table(GcReport report, String path) {
    return report.tables().stream().filter(t -> t.table().equals(path)).findFirst().orElseThrow();
  }

  static List<GraphEvent> batch(long offset) {
    List<Op> ops = new ArrayList<>();
    ops.add(new Op.UpsertNode("Person", Map.of("id", "p" + offset, "n", offset)));
    ops.add(new Op.UpsertNode("Company", Map.of("id", "c" + offset, "n", offset)));
    return List.of(
        new GraphEvent(
            G.value(),
            "e" + offset,
            new SourcePosition("log:0", offset),
            null,
            new EventBody.Mutation(ops)));
  }
}
