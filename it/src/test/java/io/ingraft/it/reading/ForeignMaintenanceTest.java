package io.ingraft.it.reading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.FailureKind;
import io.ingraft.IngraftException;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.engine.event.SourcePosition;
import io.ingraft.recovery.Failpoints;
import io.ingraft.recovery.InjectedFailureException;
import io.ingraft.recovery.RecoveryDecision;
import io.ingraft.recovery.RecoveryOutcome;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.manifest.TablePin;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import io.ingraft.storage.table.TableVersionNotFoundException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lance.Dataset;
import org.lance.cleanup.CleanupPolicy;

/**
 * What docs/reading.md warns of, measured: Lance's own maintenance run on a graph's table from
 * outside Ingraft. A version cleanup removes versions manifests pin (older graph versions can no
 * longer be read; with a HEAD ahead of its pin, the current graph cannot either, and the recovery
 * sweep fails with an error that needs an operator, which stops the graph); a compaction is a
 * foreign commit that the sweep undoes.
 */
class ForeignMaintenanceTest {
  private static final GraphId G = GraphId.of("g");
  private static final String PERSON = "nodes/Person";

  @TempDir Path root;

  @Test
  void versionCleanupBreaksTimeTravelAndThenStopsTheGraph() {
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      GraphEngine engine = new GraphEngine(store, tables, "w", Clock.systemUTC());
      engine.createGraph(G, "node Person { name: String @key }\nedge Knows: Person -> Person\n");
      long first = apply(engine, 0, List.of(person("a")));
      apply(engine, 1, List.of(person("b"), knows("a", "b")));
      Manifest latest = new ManifestLog(store, G).require();

      // Steady state (HEAD = pin): cleanup keeps HEAD, removes what older versions pin.
      cleanupBeforeHeads(store, tables, latest);
      assertThatThrownBy(() -> engine.snapshotAt(G, first).export(new StringWriter()))
          .isInstanceOf(TableVersionNotFoundException.class);
      assertThat(engine.snapshot(G).count("Person")).isEqualTo(2);

      // A write of two tables that died after committing the first: it must be rolled back,
      // by restoring that table to its pin.
      Failpoints.arm(Failpoints.BETWEEN_TABLE_COMMITS, Failpoints.Action.THROW);
      try {
        assertThatThrownBy(() -> apply(engine, 2, List.of(person("c"), knows("a", "c"))))
            .isInstanceOf(InjectedFailureException.class);
      } finally {
        Failpoints.disarmAll();
      }
      assertThat(latest.tables().values())
          .anySatisfy(
              pin -> assertThat(tables.headVersion(pin.path())).isGreaterThan(pin.version()));

      // Cleanup now removes the pinned version of the current graph from the moved table.
      cleanupBeforeHeads(store, tables, latest);
    }
    // A fresh process (an open dataset handle would keep a removed version's metadata).
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      GraphEngine reader = new GraphEngine(store, tables, "reader", Clock.systemUTC());
      assertThatThrownBy(() -> reader.snapshot(G).export(new StringWriter()))
          .isInstanceOf(TableVersionNotFoundException.class);
      // The sweep cannot restore the pin: an error retrying cannot fix, so the writer stops the
      // graph (operations.md, "Stopped graphs").
      GraphEngine next = new GraphEngine(store, tables, "w2", Clock.systemUTC());
      assertThatThrownBy(() -> next.takeOver(G))
          .isInstanceOfSatisfying(
              IngraftException.class,
              e -> assertThat(e.failureKind()).isEqualTo(FailureKind.NEEDS_OPERATOR));
    }
  }

  private static void cleanupBeforeHeads(ObjectStore store, TableStore tables, Manifest m) {
    for (TablePin pin : m.tables().values()) {
      cleanupBefore(store.lanceUri(pin.path()), tables.headVersion(pin.path()));
    }
  }

  @Test
  void aCompactionIsAForeignCommitThatTheSweepUndoes() {
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      GraphEngine engine = new GraphEngine(store, tables, "w", Clock.systemUTC());
      engine.createGraph(G, "node Person { name: String @key }\nedge Knows: Person -> Person\n");
      for (int i = 0; i < 4; i++) {
        apply(engine, i, List.of(person("p" + i)));
      }
      Manifest latest = new ManifestLog(store, G).require();
      String path = latest.tables().get(PERSON).path();
      long pin = latest.tables().get(PERSON).version();
      try (BufferAllocator allocator = new RootAllocator();
          Dataset ds = Dataset.open().allocator(allocator).uri(store.lanceUri(path)).build()) {
        ds.compact();
      }
      assertThat(tables.headVersion(path)).isGreaterThan(pin);

      GraphEngine next = new GraphEngine(store, tables, "w2", Clock.systemUTC());
      List<RecoveryOutcome> outcomes = next.takeOver(G);
      assertThat(outcomes)
          .anySatisfy(o -> assertThat(o.decision()).isEqualTo(RecoveryDecision.REPAIRED));
      Manifest repaired = new ManifestLog(store, G).require();
      assertThat(repaired.tables().get(PERSON).version()).isEqualTo(tables.headVersion(path));
      assertThat(next.snapshot(G).count("Person")).isEqualTo(4);
    }
  }

  private static void cleanupBefore(String uri, long version) {
    try (BufferAllocator allocator = new RootAllocator();
        Dataset ds = Dataset.open().allocator(allocator).uri(uri).build()) {
      ds.cleanupWithPolicy(CleanupPolicy.builder().withBeforeVersion(version).build());
    }
  }

  private static Op person(String name) {
    return new Op.UpsertNode("Person", Map.of("name", name));
  }

  private static Op knows(String from, String to) {
    return new Op.InsertEdge("Knows", from, to, Map.of(), from + "-" + to);
  }

  private static long apply(GraphEngine engine, long offset, List<Op> ops) {
    return engine
        .apply(
            G,
            List.of(
                new GraphEvent(
                    G.value(),
                    "e" + offset,
                    new SourcePosition("ingraft.graph-log:0", offset),
                    null,
                    new EventBody.Mutation(ops))))
        .manifestVersion();
  }
}
