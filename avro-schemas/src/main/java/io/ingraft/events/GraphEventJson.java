package io.ingraft.events;

import static io.ingraft.events.JsonFields.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ingraft.events.avro.EdgeRow;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.OpKind;
import io.ingraft.events.avro.SchemaBody;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The JSON twin of {@link GraphEvent}, mapped by hand (docs/events.md is the reference). Reading
 * checks the JSON shape: field names, field types, exactly one body; the per-operation rules are
 * {@link GraphEventRules}, shared with the Avro formats. Integer JSON numbers become Long and all
 * others Double; writing maps Integer and Float back to plain JSON numbers and bytes to base64.
 */
final class GraphEventJson {
  static final Set<String> ENVELOPE_FIELDS =
      ordered("graph", "eventId", "timestamp", "schema", "mutation", "load");
  private static final List<String> BODIES = List.of("schema", "mutation", "load");
  private static final Set<String> SCHEMA_FIELDS = ordered("source");
  private static final Set<String> MUTATION_FIELDS = ordered("ops");
  private static final Set<String> OP_FIELDS =
      ordered("op", "type", "key", "from", "to", "id", "props", "set");
  private static final Set<String> LOAD_FIELDS = ordered("mode", "nodes", "edges", "uri");

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private GraphEventJson() {}

  /** The JSON name of an op kind: {@code UPSERT_NODE} is {@code upsertNode}. */
  static String opName(OpKind kind) {
    return switch (kind) {
      case UPSERT_NODE -> "upsertNode";
      case UPDATE_NODE -> "updateNode";
      case DELETE_NODE -> "deleteNode";
      case INSERT_EDGE -> "insertEdge";
      case DELETE_EDGE -> "deleteEdge";
    };
  }

  static String modeName(LoadMode mode) {
    return mode.name().toLowerCase(Locale.ROOT);
  }

  // ---- reading ---------------------------------------------------------------------------------

  static GraphEvent read(JsonNode node, String path) {
    JsonFields fields = JsonFields.of(node, path);
    fields.allowOnly(ENVELOPE_FIELDS, "an event");
    String graph = fields.requiredString("graph");
    String eventId = fields.requiredString("eventId");
    Long timestamp = fields.optionalLong("timestamp");
    String bodyName = null;
    for (String candidate : BODIES) {
      if (fields.has(candidate)) {
        if (bodyName != null) {
          throw new EventDecodeException(
              DecodeError.BAD_FIELD,
              fields.at(candidate),
              "an event has exactly one body, found both " + bodyName + " and " + candidate);
        }
        bodyName = candidate;
      }
    }
    if (bodyName == null) {
      throw new EventDecodeException(
          DecodeError.MISSING_FIELD, path, "an event needs one body: schema, mutation or load");
    }
    JsonNode bodyNode = fields.optional(bodyName);
    String bodyPath = fields.at(bodyName);
    Object body =
        switch (bodyName) {
          case "schema" -> readSchema(bodyNode, bodyPath);
          case "mutation" -> readMutation(bodyNode, bodyPath);
          default -> readLoad(bodyNode, bodyPath);
        };
    return new GraphEvent(graph, eventId, timestamp, body);
  }

  private static SchemaBody readSchema(JsonNode node, String path) {
    JsonFields fields = JsonFields.of(node, path);
    fields.allowOnly(SCHEMA_FIELDS, "a schema body");
    return new SchemaBody(fields.requiredString("source"));
  }

  private static MutationBody readMutation(JsonNode node, String path) {
    JsonFields fields = JsonFields.of(node, path);
    fields.allowOnly(MUTATION_FIELDS, "a mutation body");
    JsonNode ops = fields.required("ops");
    String opsPath = fields.at("ops");
    if (!ops.isArray()) {
      throw new EventDecodeException(
          DecodeError.BAD_FIELD,
          opsPath,
          "expected an array of ops, found " + JsonFields.describe(ops));
    }
    List<Op> out = new ArrayList<>(ops.size());
    for (int i = 0; i < ops.size(); i++) {
      out.add(readOp(ops.get(i), index(opsPath, i)));
    }
    return new MutationBody(out);
  }

  private static Op readOp(JsonNode node, String path) {
    JsonFields fields = JsonFields.of(node, path);
    fields.allowOnly(OP_FIELDS, "an op");
    String name = fields.requiredString("op");
    OpKind kind = null;
    for (OpKind candidate : OpKind.values()) {
      if (opName(candidate).equals(name)) {
        kind = candidate;
      }
    }
    if (kind == null) {
      throw new EventDecodeException(
          DecodeError.BAD_FIELD,
          fields.at("op"),
          "unknown op "
              + GraphEventRules.quote(name)
              + "; expected upsertNode, updateNode, deleteNode,"
              + " insertEdge or deleteEdge");
    }
    return new Op(
        kind,
        fields.requiredString("type"),
        optionalKey(fields, "key"),
        optionalKey(fields, "from"),
        optionalKey(fields, "to"),
        fields.optionalString("id"),
        optionalValues(fields, "props"),
        optionalValues(fields, "set"));
  }

  private static LoadBody readLoad(JsonNode node, String path) {
    JsonFields fields = JsonFields.of(node, path);
    fields.allowOnly(LOAD_FIELDS, "a load body");
    String modeName = fields.requiredString("mode");
    LoadMode mode = null;
    for (LoadMode candidate : LoadMode.values()) {
      if (modeName(candidate).equals(modeName)) {
        mode = candidate;
      }
    }
    if (mode == null) {
      throw new EventDecodeException(
          DecodeError.BAD_FIELD,
          fields.at("mode"),
          "unknown mode "
              + GraphEventRules.quote(modeName)
              + "; expected append, merge or overwrite");
    }
    Map<String, List<Map<String, Object>>> nodes = new LinkedHashMap<>();
    JsonNode nodesNode = fields.optional("nodes");
    if (nodesNode != null) {
      JsonFields types = JsonFields.of(nodesNode, fields.at("nodes"));
      for (Map.Entry<String, JsonNode> type : types.node().properties()) {
        String typePath = types.at(type.getKey());
        List<Map<String, Object>> rows = new ArrayList<>();
        JsonNode array = rowsArray(type.getValue(), typePath);
        for (int i = 0; i < array.size(); i++) {
          JsonFields row = JsonFields.of(array.get(i), index(typePath, i));
          rows.add(values(row, Set.of()));
        }
        nodes.put(type.getKey(), rows);
      }
    }
    Map<String, List<EdgeRow>> edges = new LinkedHashMap<>();
    JsonNode edgesNode = fields.optional("edges");
    if (edgesNode != null) {
      JsonFields types = JsonFields.of(edgesNode, fields.at("edges"));
      for (Map.Entry<String, JsonNode> type : types.node().properties()) {
        String typePath = types.at(type.getKey());
        List<EdgeRow> rows = new ArrayList<>();
        JsonNode array = rowsArray(type.getValue(), typePath);
        for (int i = 0; i < array.size(); i++) {
          JsonFields row = JsonFields.of(array.get(i), index(typePath, i));
          rows.add(
              new EdgeRow(
                  requiredKey(row, "from"),
                  requiredKey(row, "to"),
                  row.optionalString("id"),
                  values(row, GraphEventRules.EDGE_ROW_FIELDS)));
        }
        edges.put(type.getKey(), rows);
      }
    }
    return new LoadBody(mode, nodes, edges, fields.optionalString("uri"));
  }

  private static JsonNode rowsArray(JsonNode node, String path) {
    if (node == null || !node.isArray()) {
      throw new EventDecodeException(
          DecodeError.BAD_FIELD,
          path,
          "expected an array of rows, found " + JsonFields.describe(node));
    }
    return node;
  }

  private static Object optionalKey(JsonFields fields, String field) {
    JsonNode value = fields.optional(field);
    return value == null ? null : key(value, fields.at(field));
  }

  private static Object requiredKey(JsonFields fields, String field) {
    return key(fields.required(field), fields.at(field));
  }

  private static Object key(JsonNode value, String path) {
    if (value.isTextual()) {
      return value.textValue();
    }
    if (value.isIntegralNumber()) {
      return JsonFields.integer(value, path);
    }
    throw new EventDecodeException(
        DecodeError.BAD_FIELD,
        path,
        "a key is a string or an integer, found " + JsonFields.describe(value));
  }

  private static Map<String, Object> optionalValues(JsonFields fields, String field) {
    JsonNode value = fields.optional(field);
    return value == null ? null : values(JsonFields.of(value, fields.at(field)), Set.of());
  }

  /** Every field of the object as a property, except {@code skip} (an edge row's from/to/id). */
  private static Map<String, Object> values(JsonFields fields, Set<String> skip) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : fields.node().properties()) {
      if (!skip.contains(entry.getKey())) {
        out.put(entry.getKey(), value(entry.getValue(), fields.at(entry.getKey())));
      }
    }
    return out;
  }

  private static Object value(JsonNode node, String path) {
    if (node.isArray()) {
      List<Object> list = new ArrayList<>(node.size());
      for (int i = 0; i < node.size(); i++) {
        JsonNode element = node.get(i);
        if (element.isContainerNode()) {
          throw new EventDecodeException(
              DecodeError.BAD_FIELD,
              index(path, i),
              "list elements are scalars, found " + JsonFields.describe(element));
        }
        list.add(scalar(element, index(path, i)));
      }
      return list;
    }
    if (node.isObject()) {
      throw new EventDecodeException(
          DecodeError.BAD_FIELD,
          path,
          "a property value is a scalar or a list of scalars, found an object");
    }
    return scalar(node, path);
  }

  private static Object scalar(JsonNode node, String path) {
    if (node.isNull()) {
      return null;
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isTextual()) {
      return node.textValue();
    }
    if (node.isIntegralNumber()) {
      return JsonFields.integer(node, path);
    }
    if (node.isNumber()) {
      double d = node.doubleValue();
      if (!Double.isFinite(d)) {
        throw new EventDecodeException(
            DecodeError.BAD_FIELD,
            path,
            "number " + JsonFields.abbreviate(node.asText()) + " is outside the double range");
      }
      return d;
    }
    throw new EventDecodeException(
        DecodeError.BAD_FIELD, path, "unsupported value " + JsonFields.describe(node));
  }

  // ---- writing ---------------------------------------------------------------------------------

  static ObjectNode write(GraphEvent event) {
    ObjectNode out = NODES.objectNode();
    out.put("graph", event.getGraph());
    out.put("eventId", event.getEventId());
    if (event.getTimestamp() != null) {
      out.put("timestamp", event.getTimestamp());
    }
    Object body = event.getBody();
    if (body instanceof SchemaBody schema) {
      out.putObject("schema").put("source", schema.getSource());
    } else if (body instanceof MutationBody mutation) {
      ArrayNode ops = out.putObject("mutation").putArray("ops");
      for (Op op : mutation.getOps()) {
        ops.add(writeOp(op));
      }
    } else if (body instanceof LoadBody load) {
      out.set("load", writeLoad(load));
    }
    return out;
  }

  private static ObjectNode writeOp(Op op) {
    ObjectNode out = NODES.objectNode();
    out.put("op", opName(op.getOp()));
    out.put("type", op.getType());
    putKey(out, "key", op.getKey());
    putKey(out, "from", op.getFrom());
    putKey(out, "to", op.getTo());
    if (op.getId() != null) {
      out.put("id", op.getId());
    }
    if (op.getProps() != null) {
      out.set("props", writeValues(NODES.objectNode(), op.getProps()));
    }
    if (op.getSet() != null) {
      out.set("set", writeValues(NODES.objectNode(), op.getSet()));
    }
    return out;
  }

  private static ObjectNode writeLoad(LoadBody load) {
    ObjectNode out = NODES.objectNode();
    out.put("mode", modeName(load.getMode()));
    if (load.getUri() != null) {
      out.put("uri", load.getUri());
      return out;
    }
    ObjectNode nodes = out.putObject("nodes");
    for (Map.Entry<String, List<Map<String, Object>>> type : load.getNodes().entrySet()) {
      ArrayNode rows = nodes.putArray(type.getKey());
      for (Map<String, Object> row : type.getValue()) {
        rows.add(writeValues(NODES.objectNode(), row));
      }
    }
    ObjectNode edges = out.putObject("edges");
    for (Map.Entry<String, List<EdgeRow>> type : load.getEdges().entrySet()) {
      ArrayNode rows = edges.putArray(type.getKey());
      for (EdgeRow row : type.getValue()) {
        ObjectNode json = rows.addObject();
        putKey(json, "from", row.getFrom());
        putKey(json, "to", row.getTo());
        if (row.getId() != null) {
          json.put("id", row.getId());
        }
        writeValues(json, row.getProps());
      }
    }
    return out;
  }

  private static void putKey(ObjectNode out, String field, Object key) {
    if (key instanceof Long l) {
      out.put(field, l);
    } else if (key != null) {
      out.put(field, key.toString());
    }
  }

  private static ObjectNode writeValues(ObjectNode out, Map<String, Object> values) {
    for (Map.Entry<String, Object> entry : values.entrySet()) {
      out.set(entry.getKey(), writeValue(entry.getValue()));
    }
    return out;
  }

  private static JsonNode writeValue(Object value) {
    if (value == null) {
      return NODES.nullNode();
    }
    if (value instanceof Boolean b) {
      return NODES.booleanNode(b);
    }
    if (value instanceof Integer i) {
      return NODES.numberNode(i);
    }
    if (value instanceof Long l) {
      return NODES.numberNode(l);
    }
    if (value instanceof Float f) {
      return NODES.numberNode(f);
    }
    if (value instanceof Double d) {
      return NODES.numberNode(d);
    }
    if (value instanceof ByteBuffer bytes) {
      ByteBuffer view = bytes.duplicate();
      byte[] raw = new byte[view.remaining()];
      view.get(raw);
      return NODES.textNode(Base64.getEncoder().encodeToString(raw));
    }
    if (value instanceof List<?> list) {
      ArrayNode array = NODES.arrayNode(list.size());
      for (Object element : list) {
        array.add(writeValue(element));
      }
      return array;
    }
    return NODES.textNode(value.toString());
  }

  private static Set<String> ordered(String... names) {
    return Collections.unmodifiableSet(new LinkedHashSet<>(List.of(names)));
  }
}
