package io.ingraft.events;

import io.ingraft.events.avro.EdgeRow;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.OpKind;
import io.ingraft.events.avro.SchemaBody;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Events of every body, op kind and load shape, holding only the value kinds JSON brings back
 * unchanged (Long, Double, String, Boolean, null, lists of those), so each one round-trips in all
 * three formats.
 */
final class SampleEvents {
  static final String GRAPH = "social";

  private SampleEvents() {}

  static Map<String, GraphEvent> all() {
    Map<String, GraphEvent> out = new LinkedHashMap<>();
    out.put(
        "schema",
        event(
            "e-schema",
            1_700_000_000_000L,
            new SchemaBody(
                "node Person { name: String @key  age: I32? }\nedge Knows: Person -> Person")));
    out.put(
        "upsertNode",
        mutation(
            "e1",
            op(
                OpKind.UPSERT_NODE,
                "Person",
                null,
                null,
                null,
                null,
                props(
                    "name",
                    "alice",
                    "age",
                    33L,
                    "score",
                    0.5,
                    "active",
                    true,
                    "nick",
                    null,
                    "tags",
                    Arrays.asList("a", null, 2L, 2.5, false),
                    "born",
                    "1990-05-01",
                    "seen",
                    "2024-01-31T10:15:30Z",
                    "photo",
                    "aGVsbG8=",
                    "embedding",
                    List.of(0.1, -2.0)),
                null)));
    out.put(
        "updateNode",
        mutation(
            "e2",
            op(
                OpKind.UPDATE_NODE,
                "Person",
                "alice",
                null,
                null,
                null,
                null,
                props("age", 34L, "nick", null))));
    out.put(
        "updateNode integer key",
        mutation(
            "e3",
            op(
                OpKind.UPDATE_NODE,
                "Account",
                42L,
                null,
                null,
                null,
                null,
                props("balance", -12.25))));
    out.put(
        "deleteNode",
        mutation("e4", op(OpKind.DELETE_NODE, "Person", "bob", null, null, null, null, null)));
    out.put(
        "insertEdge",
        mutation(
            "e5",
            op(
                OpKind.INSERT_EDGE,
                "Knows",
                null,
                "alice",
                "bob",
                null,
                props("since", 2019L),
                null)));
    out.put(
        "insertEdge with id, no props",
        mutation("e6", op(OpKind.INSERT_EDGE, "Transfer", null, 1L, 2L, "t-9", null, null)));
    out.put(
        "deleteEdge by endpoints",
        mutation("e7", op(OpKind.DELETE_EDGE, "Knows", null, "alice", "bob", null, null, null)));
    out.put(
        "deleteEdge by id",
        mutation("e8", op(OpKind.DELETE_EDGE, "Transfer", null, null, null, "t-9", null, null)));
    out.put(
        "several ops",
        mutation(
            "e9",
            op(OpKind.UPSERT_NODE, "Person", null, null, null, null, props("name", "carol"), null),
            op(OpKind.INSERT_EDGE, "Knows", null, "carol", "alice", null, props(), null),
            op(OpKind.DELETE_NODE, "Person", "bob", null, null, null, null, null)));
    Map<String, List<Map<String, Object>>> nodes = new LinkedHashMap<>();
    nodes.put("Person", List.of(props("name", "alice", "age", 33L), props("name", "bob")));
    nodes.put("City", List.of(props("id", 7L, "name", "Lyon")));
    Map<String, List<EdgeRow>> edges = new LinkedHashMap<>();
    edges.put(
        "Knows",
        List.of(
            new EdgeRow("alice", "bob", null, props("since", 2019L)),
            new EdgeRow("bob", "alice", "k-2", props())));
    edges.put("LivesIn", List.of(new EdgeRow("alice", 7L, null, props())));
    out.put("load append rows", load("l1", new LoadBody(LoadMode.APPEND, nodes, edges, null)));
    out.put(
        "load merge nodes only",
        load(
            "l2",
            new LoadBody(
                LoadMode.MERGE, Map.of("Person", List.of(props("name", "dave"))), Map.of(), null)));
    out.put(
        "load overwrite edges only",
        load(
            "l3",
            new LoadBody(
                LoadMode.OVERWRITE,
                Map.of(),
                Map.of("Knows", List.of(new EdgeRow(1L, 2L, null, props("w", 1.5)))),
                null)));
    out.put(
        "load empty rows",
        load("l4", new LoadBody(LoadMode.OVERWRITE, Map.of("Person", List.of()), Map.of(), null)));
    out.put(
        "load uri path",
        load("l5", new LoadBody(LoadMode.APPEND, Map.of(), Map.of(), "/data/people.jsonl")));
    out.put(
        "load uri file",
        load(
            "l6", new LoadBody(LoadMode.MERGE, Map.of(), Map.of(), "file:///data/people.parquet")));
    out.put(
        "load uri s3",
        load(
            "l7",
            new LoadBody(
                LoadMode.OVERWRITE, Map.of(), Map.of(), "s3://bucket/loads/2024/people.parquet")));
    return out;
  }

  static GraphEvent event(String eventId, Long timestamp, Object body) {
    return new GraphEvent(GRAPH, eventId, timestamp, body);
  }

  static GraphEvent mutation(String eventId, Op... ops) {
    return event(eventId, null, new MutationBody(new ArrayList<>(List.of(ops))));
  }

  static GraphEvent load(String eventId, LoadBody body) {
    return event(eventId, 1_700_000_000_123L, body);
  }

  static Op op(
      OpKind kind,
      String type,
      Object key,
      Object from,
      Object to,
      String id,
      Map<String, Object> props,
      Map<String, Object> set) {
    return new Op(kind, type, key, from, to, id, props, set);
  }

  /** An ordered map from alternating names and values; values may be null. */
  static Map<String, Object> props(Object... namesAndValues) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      out.put((String) namesAndValues[i], namesAndValues[i + 1]);
    }
    return out;
  }
}
