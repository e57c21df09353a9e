package io.ingraft.engine.read;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.ingraft.engine.schema.EdgeType;
import io.ingraft.engine.schema.GraphSchema;
import io.ingraft.engine.schema.NodeType;
import io.ingraft.engine.schema.SchemaCatalog;
import io.ingraft.engine.write.SqlLiterals;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.TablePin;
import io.ingraft.storage.table.ScanSpec;
import io.ingraft.storage.table.TableReader;
import io.ingraft.storage.table.TableStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A graph as of one manifest version. Every read opens exactly the table versions the manifest
 * pins, never a table's HEAD, so a snapshot never sees half a batch and never changes.
 */
public final class GraphSnapshot {
  // Field order is fixed by construction (kind, type, key or id/from/to, props) and props are a
  // sorted map, so equal graphs serialise to equal bytes.
  private static final ObjectMapper JSON =
      JsonMapper.builder().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET).build();

  private final Manifest manifest;
  private final GraphSchema schema;
  private final TableReader tables;

  /** Which way to follow edges from a node. */
  public enum Direction {
    OUT,
    IN,
    BOTH
  }

  public GraphSnapshot(Manifest manifest, GraphSchema schema, TableStore tables) {
    this.manifest = manifest;
    this.schema = schema;
    this.tables = tables.reader();
  }

  public long version() {
    return manifest.version();
  }

  public Manifest manifest() {
    return manifest;
  }

  public GraphSchema schema() {
    return schema;
  }

  /** One node by key, with every property. */
  public Optional<Map<String, Object>> node(String type, Object key) {
    NodeType node = nodeType(type);
    Object coerced = node.key().coerce(key);
    List<Map<String, Object>> rows =
        read(node.tableKey().value(), "`" + node.key().name() + "` = " + literal(coerced), null);
    return rows.stream().findFirst();
  }

  /** Nodes of a type matching a SQL filter (null for all), projected to {@code columns}. */
  public List<Map<String, Object>> nodes(String type, String filter, List<String> columns) {
    return read(nodeType(type).tableKey().value(), filter, columns);
  }

  /** Edges of a type matching a SQL filter (null for all); columns {@code id, from, to, ...}. */
  public List<Map<String, Object>> edges(String type, String filter) {
    return read(edgeType(type).tableKey().value(), filter, null);
  }

  /**
   * The nodes at the other end of {@code edgeType} edges leaving ({@code OUT}), entering ({@code
   * IN}) or touching ({@code BOTH}) the node {@code key}, sorted by key.
   */
  public List<Map<String, Object>> neighbours(String edgeType, Object key, Direction direction) {
    EdgeType edge = edgeType(edgeType);
    NodeType fromType = schema.fromType(edge);
    NodeType toType = schema.toType(edge);
    List<Map<String, Object>> result = new ArrayList<>();
    if (direction != Direction.IN) {
      Object k = fromType.key().coerce(key);
      for (Map<String, Object> e : edges(edgeType, "`from` = " + literal(k))) {
        node(toType.name().value(), e.get(SchemaCatalog.EDGE_TO)).ifPresent(result::add);
      }
    }
    if (direction != Direction.OUT) {
      Object k = toType.key().coerce(key);
      for (Map<String, Object> e : edges(edgeType, "`to` = " + literal(k))) {
        node(fromType.name().value(), e.get(SchemaCatalog.EDGE_FROM)).ifPresent(result::add);
      }
    }
    return result;
  }

  /** Rows of a node or edge type (from the manifest; no scan). */
  public long count(String type) {
    return pin(tableOf(type)).rowCount();
  }

  /**
   * Writes the whole graph as JSON lines, nodes then edges, types by name, nodes by key, edges by
   * id, properties by name, null properties left out: two equal graphs export byte-identically.
   */
  public void export(Writer out) {
    try {
      for (NodeType node : sorted(schema.nodeTypes(), n -> n.name().value())) {
        String keyName = node.key().name();
        List<Map<String, Object>> rows = read(node.tableKey().value(), null, null);
        rows.sort(
            Comparator.comparing(r -> (Comparable) r.get(keyName), GraphSnapshot::compareKeys));
        for (Map<String, Object> row : rows) {
          Map<String, Object> line = new LinkedHashMap<>();
          line.put("kind", "node");
          line.put("type", node.name().value());
          line.put("key", row.get(keyName));
          line.put("props", props(row, List.of(keyName)));
          writeLine(out, line);
        }
      }
      for (EdgeType edge : sorted(schema.edgeTypes(), e -> e.name().value())) {
        List<Map<String, Object>> rows = read(edge.tableKey().value(), null, null);
        rows.sort(Comparator.comparing(r -> (String) r.get(SchemaCatalog.EDGE_ID)));
        for (Map<String, Object> row : rows) {
          Map<String, Object> line = new LinkedHashMap<>();
          line.put("kind", "edge");
          line.put("type", edge.name().value());
          line.put("id", row.get(SchemaCatalog.EDGE_ID));
          line.put("from", row.get(SchemaCatalog.EDGE_FROM));
          line.put("to", row.get(SchemaCatalog.EDGE_TO));
          line.put(
              "props",
              props(
                  row,
                  List.of(SchemaCatalog.EDGE_ID, SchemaCatalog.EDGE_FROM, SchemaCatalog.EDGE_TO)));
          writeLine(out, line);
        }
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeLine(Writer out, Map<String, Object> line) throws IOException {
    out.write(JSON.writeValueAsString(line));
    out.write('\n');
  }

  private static Map<String, Object> props(Map<String, Object> row, List<String> skip) {
    Map<String, Object> props = new TreeMap<>();
    row.forEach(
        (k, v) -> {
          if (v != null && !skip.contains(k)) {
            props.put(k, jsonValue(v));
          }
        });
    return props;
  }

  /** The JSON form of a stored value, as events write it (docs/events.md). */
  static Object jsonValue(Object value) {
    if (value instanceof LocalDate || value instanceof Instant) {
      return value.toString();
    }
    if (value instanceof byte[] bytes) {
      return Base64.getEncoder().encodeToString(bytes);
    }
    if (value instanceof float[] floats) {
      List<Float> list = new ArrayList<>(floats.length);
      for (float f : floats) {
        list.add(f);
      }
      return list;
    }
    if (value instanceof List<?> list) {
      List<Object> converted = new ArrayList<>(list.size());
      list.forEach(v -> converted.add(v == null ? null : jsonValue(v)));
      return converted;
    }
    return value;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static int compareKeys(Comparable a, Comparable b) {
    return a.compareTo(b);
  }

  private static <T> List<T> sorted(List<T> items, java.util.function.Function<T, String> name) {
    List<T> copy = new ArrayList<>(items);
    copy.sort(Comparator.comparing(name));
    return copy;
  }

  private List<Map<String, Object>> read(String table, String filter, List<String> columns) {
    ScanSpec spec = ScanSpec.all().withFilter(filter);
    if (columns != null) {
      spec = spec.withColumns(columns);
    }
    TablePin pin = pin(table);
    return tables.readRows(pin.path(), pin.version(), spec);
  }

  private TablePin pin(String table) {
    return manifest
        .table(table)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "graph "
                        + manifest.graph()
                        + " version "
                        + manifest.version()
                        + " has no table "
                        + table));
  }

  private String tableOf(String type) {
    if (schema.nodeType(type).isPresent()) {
      return schema.nodeType(type).get().tableKey().value();
    }
    return edgeType(type).tableKey().value();
  }

  private NodeType nodeType(String type) {
    return schema
        .nodeType(type)
        .orElseThrow(() -> new UnknownTypeException(manifest.graph(), type));
  }

  private EdgeType edgeType(String type) {
    return schema
        .edgeType(type)
        .orElseThrow(() -> new UnknownTypeException(manifest.graph(), type));
  }

  private static String literal(Object value) {
    return SqlLiterals.literal(value);
  }
}
