package io.ingraft.app.topology;

import io.ingraft.events.EventFormat;
import io.ingraft.events.GraphEventCodec;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.OpKind;
import io.ingraft.events.avro.SchemaBody;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small valid events of each body, and their bytes in the producer formats. */
final class Events {
  private static final GraphEventCodec CODEC = new GraphEventCodec();

  private Events() {}

  static GraphEvent mutation(String graph, String eventId) {
    return mutation(graph, eventId, "");
  }

  /** An upsertNode of Person {@code eventId}, with {@code padding} as a property. */
  static GraphEvent mutation(String graph, String eventId, String padding) {
    Map<String, Object> props = new LinkedHashMap<>();
    props.put("name", eventId);
    if (!padding.isEmpty()) {
      props.put("bio", padding);
    }
    Op op = new Op(OpKind.UPSERT_NODE, "Person", null, null, null, null, props, null);
    return new GraphEvent(
        graph, eventId, 1_700_000_000_000L, new MutationBody(new ArrayList<>(List.of(op))));
  }

  static GraphEvent load(String graph, String eventId) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("name", eventId);
    return new GraphEvent(
        graph,
        eventId,
        null,
        new LoadBody(LoadMode.MERGE, Map.of("Person", List.of(row)), Map.of(), null));
  }

  static GraphEvent schema(String graph, String eventId) {
    return new GraphEvent(
        graph, eventId, null, new SchemaBody("node Person { name: String @key }"));
  }

  static byte[] avro(GraphEvent event) {
    return CODEC.encode(event, EventFormat.AVRO);
  }

  static byte[] json(GraphEvent event) {
    return CODEC.encode(event, EventFormat.JSON);
  }
}
