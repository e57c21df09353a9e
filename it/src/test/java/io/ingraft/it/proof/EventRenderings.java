package io.ingraft.it.proof;

import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.SchemaBody;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A generated event written the way a third-party producer would write it, without Ingraft's
 * codecs: as the JSON of docs/events.md (for kcat), or as the plain dict that an Avro library
 * serialises against the GraphEvent schema (for Python's {@code AvroProducer}: records as dicts,
 * enums as symbol names, the body union resolved by which record's fields are present).
 */
final class EventRenderings {
  private EventRenderings() {}

  /** The docs/events.md JSON form (camelCase op names, lower-case load modes). */
  static Map<String, Object> json(GraphEvent event) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("graph", event.getGraph());
    out.put("eventId", event.getEventId());
    if (event.getTimestamp() != null) {
      out.put("timestamp", event.getTimestamp());
    }
    Object body = event.getBody();
    if (body instanceof SchemaBody schema) {
      out.put("schema", Map.of("source", schema.getSource()));
    } else if (body instanceof MutationBody mutation) {
      List<Object> ops = new ArrayList<>();
      for (Op op : mutation.getOps()) {
        Map<String, Object> o = opFields(op);
        o.put(
            "op",
            switch (op.getOp()) {
              case UPSERT_NODE -> "upsertNode";
              case UPDATE_NODE -> "updateNode";
              case DELETE_NODE -> "deleteNode";
              case INSERT_EDGE -> "insertEdge";
              case DELETE_EDGE -> "deleteEdge";
            });
        ops.add(o);
      }
      out.put("mutation", Map.of("ops", ops));
    } else if (body instanceof LoadBody load) {
      Map<String, Object> l = new LinkedHashMap<>();
      l.put("mode", load.getMode().name().toLowerCase(java.util.Locale.ROOT));
      l.put("nodes", load.getNodes());
      out.put("load", l);
    }
    return out;
  }

  /** The dict an Avro library writes with the GraphEvent schema. */
  static Map<String, Object> avroDict(GraphEvent event) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("graph", event.getGraph());
    out.put("eventId", event.getEventId());
    out.put("timestamp", event.getTimestamp());
    Object body = event.getBody();
    if (body instanceof SchemaBody schema) {
      out.put("body", Map.of("source", schema.getSource()));
    } else if (body instanceof MutationBody mutation) {
      List<Object> ops = new ArrayList<>();
      for (Op op : mutation.getOps()) {
        Map<String, Object> o = opFields(op);
        o.put("op", op.getOp().name());
        ops.add(o);
      }
      out.put("body", Map.of("ops", ops));
    } else if (body instanceof LoadBody load) {
      Map<String, Object> l = new LinkedHashMap<>();
      l.put("mode", load.getMode().name());
      l.put("nodes", load.getNodes());
      l.put("edges", Map.of());
      l.put("uri", null);
      out.put("body", l);
    }
    return out;
  }

  private static Map<String, Object> opFields(Op op) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("type", op.getType());
    putIfSet(o, "key", op.getKey());
    putIfSet(o, "from", op.getFrom());
    putIfSet(o, "to", op.getTo());
    putIfSet(o, "id", op.getId());
    putIfSet(o, "props", op.getProps());
    putIfSet(o, "set", op.getSet());
    return o;
  }

  private static void putIfSet(Map<String, Object> o, String name, Object value) {
    if (value != null) {
      o.put(name, value instanceof CharSequence ? value.toString() : value);
    }
  }
}
