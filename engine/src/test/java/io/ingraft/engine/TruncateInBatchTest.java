package io.ingraft.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.EventBody.LoadMode;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.engine.event.SourcePosition;
import io.ingraft.engine.read.GraphSnapshot;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.CdcPosition;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CDC source transaction can hold a truncate between row changes; stage 1 writes the changes
 * before it, the truncate (an overwrite load of no rows) and the changes after it as three
 * batches, because an overwrite applies against the committed graph: applied so, the type is
 * emptied in order, and the last version records the CDC position.
 */
class TruncateInBatchTest {
  @TempDir
  Path root;

  @Test
  void anEmptyOverwriteBetweenMutationsEmptiesTheTypeInOrder() {
    GraphId g = GraphId.of("shop");
    try (ObjectStore store = new LocalObjectStore(root); TableStore tables = new TableStore(store)) {
      GraphEngine engine = new GraphEngine(store, tables, "w", Clock.systemUTC());
      engine.createGraph(g, """
          node Customer { id: I64 @key }
          node Order { id: I64 @key }
          edge PlacedBy: Order -> Customer
          """);
      CdcPosition position = new CdcPosition("shop", 500, "801", 1L, false);
      List<GraphEvent> batch = List.of(
          event(g, 0, new EventBody.Mutation(List.of(
              new Op.UpsertNode("Customer", Map.of("id", 1L)),
              new Op.UpsertNode("Order", Map.of("id", 7L)),
              new Op.InsertEdge("PlacedBy", 7L, 1L, Map.of(), "e1"))), null),
          event(g, 1, new EventBody.Load(LoadMode.OVERWRITE, Map.of("Customer", List.of()),
              Map.of(), null), null),
          event(g, 2, new EventBody.Mutation(List.of(
              new Op.UpsertNode("Customer", Map.of("id", 2L)))), position));
      for (GraphEvent event : batch) {
        BatchResult result = engine.apply(g, List.of(event));
        assertThat(result.events()).allSatisfy(r ->
            assertThat(r.status()).isEqualTo(EventResult.Status.APPLIED));
      }
      GraphSnapshot after = engine.snapshot(g);
      assertThat(after.count("Customer")).isEqualTo(1);
      assertThat(after.node("Customer", 2L)).isPresent();
      assertThat(after.count("Order")).isEqualTo(1);
      assertThat(after.count("PlacedBy")).isZero();
      assertThat(after.manifest().commit().cdc()).isEqualTo(position);
    }
  }

  private static GraphEvent event(GraphId g, long offset, EventBody body, CdcPosition cdc) {
    return new GraphEvent(g.value(), "e" + offset, new SourcePosition("log:0", offset), null,
        body, cdc);
  }
}
