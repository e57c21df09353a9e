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
 * A CDC source transaction can hold a truncate between row changes, and stage 1 writes the whole
 * transaction as one batch with the truncate (an overwrite load of no rows) in it. The engine
 * applies an overwrite against the current state of the batch, committed ∪ pending: nodes and edges
 * upserted earlier in the same batch go too (a node type's with their incident edges), later
 * operations see the emptied type, and the batch is one version carrying the CDC position.
 */
class TruncateInBatchTest {
  @TempDir Path root;

  @Test
  void anOverwriteInsideABatchEmptiesCommittedAndPendingAndPublishesOneVersion() {
    GraphId g = GraphId.of("shop");
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      GraphEngine engine = new GraphEngine(store, tables, "w", Clock.systemUTC());
      engine.createGraph(
          g,
          """
          node Customer { id: I64 @key }
          node Order { id: I64 @key }
          node Product { id: I64 @key }
          edge PlacedBy: Order -> Customer
          edge Contains: Order -> Product { quantity: I64 }
          """);
      // Committed before the batch: customer 5 with order 8, product 1 in order 8.
      apply(
          engine,
          g,
          List.of(
              event(
                  g,
                  0,
                  new EventBody.Mutation(
                      List.of(
                          new Op.UpsertNode("Customer", Map.of("id", 5L)),
                          new Op.UpsertNode("Order", Map.of("id", 8L)),
                          new Op.UpsertNode("Product", Map.of("id", 1L)),
                          new Op.InsertEdge("PlacedBy", 8L, 5L, Map.of(), "p8"),
                          new Op.InsertEdge("Contains", 8L, 1L, Map.of("quantity", 2L), "c8"))),
                  null)));
      long before = engine.snapshot(g).version();

      CdcPosition position = new CdcPosition("shop", 500, "801", 1L, false);
      BatchResult result =
          apply(
              engine,
              g,
              List.of(
                  // Pending before the truncates: a customer with an order, a line of the new
                  // order.
                  event(
                      g,
                      1,
                      new EventBody.Mutation(
                          List.of(
                              new Op.UpsertNode("Customer", Map.of("id", 1L)),
                              new Op.UpsertNode("Order", Map.of("id", 7L)),
                              new Op.InsertEdge("PlacedBy", 7L, 1L, Map.of(), "p7"),
                              new Op.InsertEdge("Contains", 7L, 1L, Map.of("quantity", 3L), "c7"))),
                      position),
                  event(
                      g,
                      2,
                      new EventBody.Load(
                          LoadMode.OVERWRITE, Map.of("Customer", List.of()), Map.of(), null),
                      position),
                  event(
                      g,
                      3,
                      new EventBody.Load(
                          LoadMode.OVERWRITE, Map.of(), Map.of("Contains", List.of()), null),
                      position),
                  // After the truncates: they see an empty Customer and Contains.
                  event(
                      g,
                      4,
                      new EventBody.Mutation(
                          List.of(
                              new Op.UpsertNode("Customer", Map.of("id", 2L)),
                              new Op.InsertEdge("PlacedBy", 7L, 2L, Map.of(), "p7b"),
                              new Op.InsertEdge(
                                  "Contains", 8L, 1L, Map.of("quantity", 4L), "c8b"))),
                      position)));

      assertThat(result.events())
          .allSatisfy(r -> assertThat(r.status()).isEqualTo(EventResult.Status.APPLIED));
      GraphSnapshot after = engine.snapshot(g);
      assertThat(after.version()).isEqualTo(before + 1);
      assertThat(result.manifestVersion()).isEqualTo(after.version());
      assertThat(after.count("Customer")).isEqualTo(1);
      assertThat(after.node("Customer", 2L)).isPresent();
      assertThat(after.count("Order")).isEqualTo(2);
      assertThat(after.edges("PlacedBy", null))
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e)
                    .containsEntry("id", "p7b")
                    .containsEntry("from", 7L)
                    .containsEntry("to", 2L);
              });
      assertThat(after.edges("Contains", null))
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e).containsEntry("id", "c8b").containsEntry("quantity", 4L);
              });
      assertThat(after.manifest().commit().cdc()).isEqualTo(position);
      // The version before it is untouched: no state inside the batch was ever published.
      GraphSnapshot previous = engine.snapshotAt(g, before);
      assertThat(previous.count("Customer")).isEqualTo(1);
      assertThat(previous.node("Customer", 5L)).isPresent();
      assertThat(previous.count("Contains")).isEqualTo(1);
    }
  }

  private static BatchResult apply(GraphEngine engine, GraphId g, List<GraphEvent> events) {
    BatchResult result = engine.apply(g, events);
    assertThat(result.events())
        .allSatisfy(r -> assertThat(r.status()).isEqualTo(EventResult.Status.APPLIED));
    return result;
  }

  private static GraphEvent event(GraphId g, long offset, EventBody body, CdcPosition cdc) {
    return new GraphEvent(
        g.value(), "e" + offset, new SourcePosition("log:0", offset), null, body, cdc);
  }
}
