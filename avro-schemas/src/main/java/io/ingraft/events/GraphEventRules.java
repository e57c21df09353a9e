package io.ingraft.events;

import io.ingraft.events.avro.EdgeRow;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.OpKind;
import io.ingraft.events.avro.SchemaBody;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shape rules every {@link GraphEvent} must meet, whatever format it came in: which fields each
 * operation needs and which it must not have, names, keys and value kinds. They do not need the
 * graph's schema; checking values against it is the engine's job. Events decoded from Avro are
 * checked too, because Avro alone allows an updateNode without a key. Paths name fields as in the
 * JSON form, so a message reads the same for every format.
 */
final class GraphEventRules {
  /** The storage module's GraphId rule: ids become path segments and object key prefixes. */
  static final Pattern GRAPH_ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");

  /** The schema language's NAME rule for node, edge and property names. */
  static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,127}");

  static final int MAX_EVENT_ID_LENGTH = 256;

  /** Field names of an inline edge row in JSON; properties cannot use them. */
  static final Set<String> EDGE_ROW_FIELDS = Set.of("from", "to", "id");

  private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):");

  private GraphEventRules() {}

  /** Checks {@code event}, whose JSON form sits at {@code path} ("" for a top-level event). */
  static void check(GraphEvent event, String path) {
    check(event, Path.root(path));
  }

  private static void check(GraphEvent event, Path path) {
    graphId(event.getGraph(), path.child("graph"));
    String eventId = event.getEventId();
    if (eventId == null) {
      throw missing(path.child("eventId"), "an event needs an eventId");
    }
    if (eventId.isEmpty() || eventId.length() > MAX_EVENT_ID_LENGTH) {
      throw bad(
          path.child("eventId"),
          "eventId must be 1 to " + MAX_EVENT_ID_LENGTH + " characters, found " + eventId.length());
    }
    Long timestamp = event.getTimestamp();
    if (timestamp != null && timestamp < 0) {
      throw bad(
          path.child("timestamp"),
          "timestamp is epoch milliseconds and cannot be negative," + " found " + timestamp);
    }
    Object body = event.getBody();
    if (body instanceof SchemaBody schema) {
      String source = schema.getSource();
      if (source == null || source.isBlank()) {
        throw bad(path.child("schema").child("source"), "schema source is empty");
      }
    } else if (body instanceof MutationBody mutation) {
      mutation(mutation, path.child("mutation"));
    } else if (body instanceof LoadBody load) {
      load(load, path.child("load"));
    } else {
      throw missing(path, "an event needs one body: schema, mutation or load");
    }
  }

  static void graphId(String graph, String path) {
    graphId(graph, Path.root(path));
  }

  private static void graphId(String graph, Path path) {
    if (graph == null) {
      throw missing(path, "an event needs a graph id");
    }
    if (!isGraphId(graph)) {
      throw bad(path, "graph id " + quote(graph) + " must match " + GRAPH_ID.pattern());
    }
  }

  private static void mutation(MutationBody mutation, Path path) {
    List<Op> ops = mutation.getOps();
    Path opsPath = path.child("ops");
    if (ops == null || ops.isEmpty()) {
      throw bad(opsPath, "a mutation needs at least one op");
    }
    for (int i = 0; i < ops.size(); i++) {
      op(ops.get(i), opsPath.at(i));
    }
  }

  private static void op(Op op, Path path) {
    if (op == null) {
      throw bad(path, "an op cannot be null");
    }
    OpKind kind = op.getOp();
    if (kind == null) {
      throw missing(path.child("op"), "an op needs its kind");
    }
    String name = GraphEventJson.opName(kind);
    name(op.getType(), path.child("type"), name + " type");
    switch (kind) {
      case UPSERT_NODE -> {
        absent(op, path, name, "key", "from", "to", "id", "set");
        present(op.getProps(), path, "props", name + " needs props, key included");
        if (op.getProps().isEmpty()) {
          throw bad(path.child("props"), name + " props cannot be empty: they hold the key");
        }
      }
      case UPDATE_NODE -> {
        absent(op, path, name, "from", "to", "id", "props");
        present(op.getKey(), path, "key", name + " needs a key");
        present(op.getSet(), path, "set", name + " needs set, the properties to change");
      }
      case DELETE_NODE -> {
        absent(op, path, name, "from", "to", "id", "props", "set");
        present(op.getKey(), path, "key", name + " needs a key");
      }
      case INSERT_EDGE -> {
        absent(op, path, name, "key", "set");
        present(op.getFrom(), path, "from", name + " needs from, the source node key");
        present(op.getTo(), path, "to", name + " needs to, the target node key");
      }
      case DELETE_EDGE -> {
        absent(op, path, name, "key", "props", "set");
        if (op.getId() != null) {
          if (op.getFrom() != null || op.getTo() != null) {
            throw bad(
                path.child(op.getFrom() != null ? "from" : "to"),
                name + " takes either an id or from and to, not both");
          }
        } else if (op.getFrom() == null && op.getTo() == null) {
          throw missing(path.child("id"), name + " needs an id, or from and to");
        } else {
          present(op.getFrom(), path, "from", name + " by endpoints needs from as well as to");
          present(op.getTo(), path, "to", name + " by endpoints needs to as well as from");
        }
      }
      default -> throw bad(path.child("op"), "unknown op " + kind);
    }
    if (op.getKey() != null) {
      key(op.getKey(), path.child("key"));
    }
    if (op.getFrom() != null) {
      key(op.getFrom(), path.child("from"));
    }
    if (op.getTo() != null) {
      key(op.getTo(), path.child("to"));
    }
    if (op.getId() != null) {
      edgeId(op.getId(), path.child("id"));
    }
    if (op.getProps() != null) {
      values(op.getProps(), path.child("props"), Set.of());
    }
    if (op.getSet() != null) {
      values(op.getSet(), path.child("set"), Set.of());
    }
  }

  private static void absent(Op op, Path path, String opName, String... fields) {
    for (String field : fields) {
      Object value =
          switch (field) {
            case "key" -> op.getKey();
            case "from" -> op.getFrom();
            case "to" -> op.getTo();
            case "id" -> op.getId();
            case "props" -> op.getProps();
            case "set" -> op.getSet();
            default -> throw new IllegalArgumentException(field);
          };
      if (value != null) {
        throw bad(path.child(field), opName + " takes no " + field);
      }
    }
  }

  private static void present(Object value, Path path, String field, String problem) {
    if (value == null) {
      throw missing(path.child(field), problem);
    }
  }

  private static void load(LoadBody load, Path path) {
    if (load.getMode() == null) {
      throw missing(path.child("mode"), "a load needs a mode: append, merge or overwrite");
    }
    Map<String, List<Map<String, Object>>> nodes = load.getNodes();
    Map<String, List<EdgeRow>> edges = load.getEdges();
    if (nodes == null) {
      throw bad(path.child("nodes"), "nodes cannot be null; leave it empty");
    }
    if (edges == null) {
      throw bad(path.child("edges"), "edges cannot be null; leave it empty");
    }
    if (load.getUri() != null) {
      if (!nodes.isEmpty() || !edges.isEmpty()) {
        throw bad(path.child("uri"), "a load has either rows (nodes, edges) or a uri, not both");
      }
      uri(load.getUri(), path.child("uri"));
      return;
    }
    Path nodesPath = path.child("nodes");
    for (Map.Entry<String, List<Map<String, Object>>> type : nodes.entrySet()) {
      Path typePath = nodesPath.child(type.getKey());
      name(type.getKey(), typePath, "node type");
      List<Map<String, Object>> rows = type.getValue();
      if (rows == null) {
        throw bad(typePath, "rows cannot be null");
      }
      for (int i = 0; i < rows.size(); i++) {
        Map<String, Object> row = rows.get(i);
        if (row == null || row.isEmpty()) {
          throw bad(typePath.at(i), "a node row cannot be empty: it holds the key");
        }
        values(row, typePath.at(i), Set.of());
      }
    }
    Path edgesPath = path.child("edges");
    for (Map.Entry<String, List<EdgeRow>> type : edges.entrySet()) {
      Path typePath = edgesPath.child(type.getKey());
      name(type.getKey(), typePath, "edge type");
      List<EdgeRow> rows = type.getValue();
      if (rows == null) {
        throw bad(typePath, "rows cannot be null");
      }
      for (int i = 0; i < rows.size(); i++) {
        EdgeRow row = rows.get(i);
        Path rowPath = typePath.at(i);
        if (row == null) {
          throw bad(rowPath, "an edge row cannot be null");
        }
        present(row.getFrom(), rowPath, "from", "an edge row needs from, the source node key");
        present(row.getTo(), rowPath, "to", "an edge row needs to, the target node key");
        key(row.getFrom(), rowPath.child("from"));
        key(row.getTo(), rowPath.child("to"));
        if (row.getId() != null) {
          edgeId(row.getId(), rowPath.child("id"));
        }
        if (row.getProps() == null) {
          throw bad(rowPath, "edge row props cannot be null; leave them empty");
        }
        values(row.getProps(), rowPath, EDGE_ROW_FIELDS);
      }
    }
  }

  /** A path, a {@code file:} URI or an {@code s3://bucket/key} URI; other schemes are refused. */
  private static void uri(String uri, Path path) {
    if (uri.isBlank()) {
      throw bad(path, "uri is empty");
    }
    Matcher scheme = SCHEME.matcher(uri);
    if (!scheme.find()) {
      return; // A plain file path.
    }
    switch (scheme.group(1).toLowerCase(Locale.ROOT)) {
      case "file" -> {
        if (uri.length() == scheme.end()) {
          throw bad(path, "file: uri " + quote(uri) + " names no file");
        }
      }
      case "s3" -> {
        String rest = uri.substring(scheme.end());
        int slash = rest.startsWith("//") ? rest.indexOf('/', 2) : -1;
        if (slash <= 2 || slash == rest.length() - 1) {
          throw bad(path, "s3 uri " + quote(uri) + " must look like s3://bucket/key");
        }
      }
      default ->
          throw bad(
              path,
              "uri scheme "
                  + quote(scheme.group(1))
                  + " is not supported; use a file path, a file: uri or an s3:// uri");
    }
  }

  private static void name(String name, Path path, String what) {
    if (name == null) {
      throw missing(path, what + " is missing");
    }
    if (!isName(name)) {
      throw bad(path, what + " " + quote(name) + " must match " + NAME.pattern());
    }
  }

  /**
   * {@link #GRAPH_ID} as a loop: it runs for every event, and a regex match allocates a matcher
   * each time. (The storage module's GraphId has the same loop; this module depends on nothing.)
   */
  static boolean isGraphId(String value) {
    int length = value == null ? 0 : value.length();
    if (length == 0 || length > 128) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      boolean allowed =
          (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || (i > 0 && (c == '.' || c == '_' || c == '-'));
      if (!allowed) {
        return false;
      }
    }
    return true;
  }

  /** {@link #NAME} as a loop, for every type and property name of every event. */
  static boolean isName(String value) {
    int length = value == null ? 0 : value.length();
    if (length == 0 || length > 128) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      boolean allowed =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (i > 0 && ((c >= '0' && c <= '9') || c == '_'));
      if (!allowed) {
        return false;
      }
    }
    return true;
  }

  private static void key(Object key, Path path) {
    if (key instanceof String s) {
      if (s.isEmpty()) {
        throw bad(path, "a key cannot be an empty string");
      }
    } else if (!(key instanceof Long)) {
      throw bad(path, "a key is a string or a 64-bit integer, found " + kindOf(key));
    }
  }

  private static void edgeId(String id, Path path) {
    if (id.isEmpty()) {
      throw bad(path, "an edge id cannot be empty");
    }
  }

  private static void values(Map<String, Object> values, Path path, Set<String> reserved) {
    for (Map.Entry<String, Object> entry : values.entrySet()) {
      String property = entry.getKey();
      // The property's path is built only for an error or a nested value: this loop runs for
      // every property of every event.
      if (!isName(property)) {
        throw bad(
            path.child(property),
            "property name " + quote(property) + " must match " + NAME.pattern());
      }
      if (reserved.contains(property)) {
        throw bad(
            path.child(property),
            "property name " + quote(property) + " is reserved in edge rows (from, to, id)");
      }
      Object value = entry.getValue();
      if (!isPlainScalar(value)) {
        value(value, path.child(property));
      }
    }
  }

  /** A value of the Avro Value union that needs no further check. */
  private static boolean isPlainScalar(Object value) {
    return value == null
        || value instanceof Boolean
        || value instanceof Integer
        || value instanceof Long
        || value instanceof String
        || value instanceof ByteBuffer;
  }

  /** The kinds of the Avro Value union; everything else would not even encode. */
  private static void value(Object value, Path path) {
    if (isPlainScalar(value)) {
      return;
    }
    if (value instanceof Float f) {
      finite(f, path);
    } else if (value instanceof Double d) {
      finite(d, path);
    } else if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        Object element = list.get(i);
        if (element instanceof Double d) {
          finite(d, path.at(i));
        } else if (!(element == null
            || element instanceof Boolean
            || element instanceof Long
            || element instanceof String)) {
          throw bad(
              path.at(i),
              "a list element is null, a boolean, a 64-bit integer, a"
                  + " double or a string, found "
                  + kindOf(element));
        }
      }
    } else {
      throw bad(
          path,
          "a value is null, a boolean, a number, a string, bytes or a list of"
              + " scalars, found "
              + kindOf(value));
    }
  }

  private static void finite(double d, Path path) {
    if (!Double.isFinite(d)) {
      throw bad(path, "number " + d + " is not finite");
    }
  }

  private static String kindOf(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Map) {
      return "an object";
    }
    if (value instanceof List) {
      return "a list";
    }
    return value.getClass().getSimpleName();
  }

  static String quote(String s) {
    return s == null ? "null" : "\"" + JsonFields.abbreviate(s) + "\"";
  }

  private static EventDecodeException bad(Path path, String problem) {
    return bad(path.toString(), problem);
  }

  private static EventDecodeException missing(Path path, String problem) {
    return missing(path.toString(), problem);
  }

  static EventDecodeException bad(String path, String problem) {
    return new EventDecodeException(DecodeError.BAD_FIELD, path, problem);
  }

  static EventDecodeException missing(String path, String problem) {
    return new EventDecodeException(DecodeError.MISSING_FIELD, path, problem);
  }

  /**
   * Where a field sits in the JSON form, made into text only for an error message: the rules run
   * for every field of every event, and building every path string up front cost as much as the
   * checks themselves (stage 1's profile).
   */
  private record Path(Path parent, String field, int index) {
    static Path root(String path) {
      return new Path(null, path, -1);
    }

    Path child(String name) {
      return new Path(this, name, -1);
    }

    Path at(int i) {
      return new Path(this, null, i);
    }

    @Override
    public String toString() {
      if (parent == null) {
        return field;
      }
      String base = parent.toString();
      return field != null ? JsonFields.child(base, field) : JsonFields.index(base, index);
    }
  }
}
