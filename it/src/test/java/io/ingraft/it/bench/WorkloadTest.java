package io.ingraft.it.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.OpKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline benchmark's workloads generate the mixes they promise, and the table prints. */
class WorkloadTest {
  @TempDir Path root;

  @Test
  void appendAlternatesNewPersonsAndEdgesBetweenThem() {
    Workload w = Workload.named("append", 2, 0);
    for (int i = 0; i < 10; i++) {
      int g = w.nextGraph();
      assertThat(g).isEqualTo(i % 2);
      Op op = op(w.next(g, 1000 + i));
      int seq = i / 2;
      // An edge needs two Persons: the graph's first two events are Persons.
      assertThat(op.getOp())
          .isEqualTo(seq % 2 == 0 || seq < 2 ? OpKind.UPSERT_NODE : OpKind.INSERT_EDGE);
    }
    assertThat(w.stamps(0).size).isEqualTo(5);
    w.startPhase();
    assertThat(w.stamps(0).size).isZero();
  }

  @Test
  void updateHeavyLoadsItsNodesThenMostlyTouchesExistingKeys() throws Exception {
    Workload w = Workload.named("update-heavy", 2, 1_000);
    assertThat(w.settings(root)).containsKey("ingraft.load.roots");
    List<GraphEvent> setup = w.setup(0, root);
    assertThat(setup).hasSize(1);
    LoadBody load = (LoadBody) setup.get(0).getBody();
    assertThat(Files.readAllLines(Path.of(load.getUri().toString()))).hasSize(500);

    // The loaded Persons, then the new ones as they come: "existing" is either.
    Set<String> loaded = new HashSet<>();
    for (int k = 0; k < 500; k++) {
      loaded.add("p" + k);
    }
    int existing = 0;
    int fresh = 0;
    int edges = 0;
    for (int i = 0; i < 1_000; i++) {
      Op op = op(w.next(0, i));
      switch (op.getOp()) {
        case UPSERT_NODE -> {
          if (!loaded.add(op.getProps().get("id").toString())) {
            existing++;
          } else {
            fresh++;
          }
        }
        case UPDATE_NODE -> {
          assertThat(loaded).contains(op.getKey().toString());
          existing++;
        }
        case INSERT_EDGE -> edges++;
        default -> throw new AssertionError(op);
      }
    }
    assertThat(existing).isEqualTo(800);
    assertThat(fresh).isEqualTo(100);
    assertThat(edges).isEqualTo(100);
  }

  @Test
  void manyGraphsSpreadsOverAllGraphs() {
    Workload w = Workload.named("many-graphs", 2_000, 0);
    assertThat(w.graphs()).isEqualTo(2_000);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 2_000; i++) {
      int g = w.nextGraph();
      seen.add(w.next(g, i).getGraph().toString());
    }
    assertThat(seen).hasSize(2_000);
  }

  @Test
  void unknownWorkloadIsRefused() {
    assertThatThrownBy(() -> Workload.named("bursty", 1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("append, update-heavy or many-graphs");
  }

  @Test
  void tablePrintsMissingColumnsAsNotAvailable() {
    RunTable table = new RunTable(List.of("x Lance"));
    table.add(
        new RunTable.Row(
            "steady",
            "2,000",
            1999.4,
            null,
            null,
            4.0,
            500,
            300L << 20,
            "1.00, 2, 3",
            "2.50, 2, 3",
            12.34));
    List<String> lines = table.lines();
    assertThat(lines.get(0)).contains("x Lance", "p99 fresh", "CPU/event");
    assertThat(lines.get(1)).contains("1,999", "n/a", "300 MB", "1.00->2.50", "12.3 us");
  }

  private static Op op(GraphEvent event) {
    return ((MutationBody) event.getBody()).getOps().get(0);
  }
}
