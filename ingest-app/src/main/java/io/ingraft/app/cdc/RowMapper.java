package io.ingraft.app.cdc;

import io.ingraft.app.cdc.CdcItem.CdcOp;
import io.ingraft.app.cdc.CdcMapping.Direction;
import io.ingraft.app.cdc.CdcMapping.ForeignKey;
import io.ingraft.app.cdc.CdcMapping.TableMapping;
import io.ingraft.app.cdc.ChangeEvent.Operation;
import io.ingraft.engine.schema.EdgeType;
import io.ingraft.engine.schema.GraphSchema;
import io.ingraft.engine.schema.NodeType;
import io.ingraft.engine.schema.Property;
import io.ingraft.engine.schema.PropertyType;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.InvalidNameException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps one decoded change event to graph operations by the mapping and the graph's schema
 * (docs/cdc.md, "Mapping"): a node table's row becomes an upsert of its node (or a delete), its
 * foreign-key columns edges with ids derived from table, row key and column (so an update of the
 * column moves the edge, by replacing the edge with that id, and a null removes it); a join table's
 * row becomes an edge whose id is derived from the table and the row key. Keys: a one-column key is
 * the column's value (a number for an integer key); a composite key is the key string {@link
 * #keyString}. Thread-safe.
 */
public final class RowMapper {
  private final CdcMapping mapping;
  private final GraphSchema schema;

  public RowMapper(CdcMapping mapping, GraphSchema schema) {
    this.mapping = mapping;
    this.schema = schema;
  }

  /**
   * The deterministic key string of a composite key: each column's value as text (integers in
   * decimal, decimals plain, dates and times ISO-8601, bytes base64), with every {@code \} and
   * {@code |} escaped by a {@code \}, joined by {@code |}, in the order of the mapping's {@code
   * key} list. {@code (7, "a|b")} becomes {@code 7|a\|b}.
   */
  public static String keyString(List<Object> values) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        out.append('|');
      }
      String text = PropertyValues.text(values.get(i));
      for (int c = 0; c < text.length(); c++) {
        char ch = text.charAt(c);
        if (ch == '\\' || ch == '|') {
          out.append('\\');
        }
        out.append(ch);
      }
    }
    return out.toString();
  }

  /** The id of the edge a foreign-key column makes: {@code table/rowKey/column}. */
  public static String foreignKeyEdgeId(String table, String rowKey, String column) {
    return table + "/" + rowKey + "/" + column;
  }

  /** The id of a join table row's edge: {@code table/rowKey}. */
  public static String joinEdgeId(String table, String rowKey) {
    return table + "/" + rowKey;
  }

  /**
   * The item for a row change ({@code c}, {@code r}, {@code u}, {@code d}) or a truncate, read at
   * {@code offset} of {@code topic}-{@code partition}.
   *
   * @throws ChangeDecodeException when the table is not mapped or a value does not fit
   */
  public CdcItem map(ChangeEvent event, String topic, int partition, long offset) {
    TableMapping table = mapping.table(event.table());
    if (table == null) {
      throw new ChangeDecodeException(
          CdcRejection.CDC_UNMAPPED_TABLE, "", "table " + event.table() + " is not in the mapping");
    }
    String txId = event.transaction() != null ? event.transaction().txId() : event.source().txId();
    long totalOrder = event.transaction() != null ? event.transaction().totalOrder() : 0;
    if (event.op() == Operation.TRUNCATE) {
      return new CdcItem(
          CdcItem.Kind.TRUNCATE,
          txId,
          totalOrder,
          event.transaction() != null,
          event.source().lsn(),
          event.source().tsMs(),
          event.source().snapshot(),
          event.table(),
          mapping.graph(),
          table.type(),
          null,
          0,
          null,
          null,
          null,
          0,
          topic,
          partition,
          offset,
          null);
    }
    boolean deleted = event.op() == Operation.DELETE;
    Map<String, Object> row = deleted ? event.before() : event.after();
    String graph = graphOf(row);
    List<CdcOp> nodeOps = new ArrayList<>(1);
    Map<String, String> added = new LinkedHashMap<>();
    List<CdcOp> edgeOps = new ArrayList<>();
    String rowKey;
    int phase;
    if (table.isEdge()) {
      EdgeType edge = schema.edgeType(table.edge()).orElseThrow();
      rowKey = keyString(keyValues(table, row));
      String id = joinEdgeId(event.table(), rowKey);
      if (deleted) {
        nodeOps.add(new CdcOp("deleteEdge", edge.name().value(), null, null, null, id, null));
        phase = CdcItem.JOIN_DELETE;
      } else {
        Object from = endpoint(row, table.from().column(), table.from().node());
        Object to = endpoint(row, table.to().column(), table.to().node());
        Set<String> skip = new HashSet<>(table.key());
        skip.add(table.from().column());
        skip.add(table.to().column());
        Map<String, Object> props = properties(table, row, skip, edge.properties(), null, added);
        nodeOps.add(new CdcOp("insertEdge", edge.name().value(), null, from, to, id, props));
        phase = CdcItem.JOIN_UPSERT;
      }
    } else {
      NodeType node = schema.nodeType(table.node()).orElseThrow();
      List<Object> keyValues = keyValues(table, row);
      Object key =
          table.key().size() == 1
              ? PropertyValues.key(table.key().get(0), keyValues.get(0), node.keyKind())
              : keyString(keyValues);
      rowKey = table.key().size() == 1 ? PropertyValues.text(key) : (String) key;
      if (deleted) {
        nodeOps.add(new CdcOp("deleteNode", node.name().value(), key, null, null, null, null));
        phase = CdcItem.NODE_DELETE;
      } else {
        Set<String> skip = new HashSet<>(table.foreignKeys().keySet());
        if (table.columns() != null) {
          skip.removeAll(table.columns().keySet());
        }
        String keyProperty = MappingCheck.keyProperty(table);
        Set<String> unavailable = new HashSet<>();
        Map<String, Object> props =
            properties(table, row, skip, node.properties(), unavailable, added);
        props.put(keyProperty, key);
        if (unavailable.isEmpty()) {
          nodeOps.add(new CdcOp("upsertNode", node.name().value(), null, null, null, null, props));
        } else {
          // Debezium left out unchanged TOASTed values: patch the rest, keep the stored ones.
          props.remove(keyProperty);
          nodeOps.add(new CdcOp("updateNode", node.name().value(), key, null, null, null, props));
        }
        for (Map.Entry<String, ForeignKey> fk : table.foreignKeys().entrySet()) {
          edgeOps.add(
              foreignKeyOp(event.table(), rowKey, key, fk.getKey(), fk.getValue(), row, node));
        }
        phase = CdcItem.NODE_UPSERT;
      }
    }
    return new CdcItem(
        CdcItem.Kind.ROW,
        txId,
        totalOrder,
        event.transaction() != null,
        event.source().lsn(),
        event.source().tsMs(),
        event.source().snapshot(),
        event.table(),
        graph,
        table.type(),
        event.table() + "/" + rowKey,
        phase,
        nodeOps,
        edgeOps.isEmpty() ? null : edgeOps,
        null,
        0,
        topic,
        partition,
        offset,
        added.isEmpty() ? null : added);
  }

  private CdcOp foreignKeyOp(
      String table,
      String rowKey,
      Object key,
      String column,
      ForeignKey fk,
      Map<String, Object> row,
      NodeType node) {
    String id = foreignKeyEdgeId(table, rowKey, column);
    Object value = row.get(column);
    if (value == null) {
      return new CdcOp("deleteEdge", fk.edge(), null, null, null, id, null);
    }
    NodeType target = schema.nodeType(fk.references()).orElseThrow();
    Object referenced = PropertyValues.key(column, value, target.keyKind());
    boolean out = fk.direction() == Direction.OUT;
    return new CdcOp(
        "insertEdge", fk.edge(), null, out ? key : referenced, out ? referenced : key, id, null);
  }

  private Object endpoint(Map<String, Object> row, String column, String nodeType) {
    Object value = row.get(column);
    if (value == null) {
      throw new ChangeDecodeException(
          CdcRejection.CDC_MISSING_KEY,
          column,
          "join table column " + column + " is null or missing");
    }
    return PropertyValues.key(column, value, schema.nodeType(nodeType).orElseThrow().keyKind());
  }

  private static List<Object> keyValues(TableMapping table, Map<String, Object> row) {
    List<Object> values = new ArrayList<>(table.key().size());
    for (String column : table.key()) {
      Object value = row.get(column);
      if (value == null) {
        throw new ChangeDecodeException(
            CdcRejection.CDC_MISSING_KEY,
            column,
            "key column " + column + " is null or missing in the row image");
      }
      values.add(value);
    }
    return values;
  }

  /**
   * The properties of a row: the included columns under their property names (all columns under
   * their own names when the table has no {@code columns} list, those the type has; the others are
   * new columns, ignored), less {@code skip} and the excluded ones.
   */
  private Map<String, Object> properties(
      TableMapping table,
      Map<String, Object> row,
      Set<String> skip,
      List<Property> typeProperties,
      Set<String> unavailable,
      Map<String, String> added) {
    Map<String, Property> byName = new LinkedHashMap<>();
    typeProperties.forEach(p -> byName.put(p.name(), p));
    Map<String, Object> props = new LinkedHashMap<>();
    for (Map.Entry<String, Object> column : row.entrySet()) {
      String name = column.getKey();
      if (skip.contains(name) || table.exclude().contains(name)) {
        continue;
      }
      String propertyName = table.allColumns() ? name : table.columns().get(name);
      if (propertyName == null) {
        continue;
      }
      Property property = byName.get(propertyName);
      if (property == null) {
        // A column the graph's type does not have: ignored, or a new nullable property.
        property = newProperty(table, name, column.getValue());
        if (property == null) {
          continue;
        }
        added.put(property.name(), property.type().toString());
      }
      if (PropertyValues.UNAVAILABLE.equals(column.getValue()) && unavailable != null) {
        unavailable.add(name);
        continue;
      }
      props.put(propertyName, PropertyValues.of(name, column.getValue(), property));
    }
    return props;
  }

  /**
   * The property a new column becomes with {@code newColumns: evolve} (tables mapping all their
   * columns): nullable, typed by its value; null when the column is ignored (the mapping says so,
   * the value is null and so has no type yet, the name is no property name, or it is the graph
   * column).
   */
  private Property newProperty(TableMapping table, String column, Object value) {
    if (mapping.newColumns() != CdcMapping.NewColumns.EVOLVE
        || !table.allColumns()
        || value == null
        || column.equals(mapping.graphColumn())
        || !MappingCheck.isName(column)) {
      return null;
    }
    PropertyType type;
    if (value instanceof Long) {
      type = PropertyType.I64;
    } else if (value instanceof Double || value instanceof java.math.BigDecimal) {
      type = PropertyType.F64;
    } else if (value instanceof Boolean) {
      type = PropertyType.BOOL;
    } else if (value instanceof java.time.LocalDate) {
      type = PropertyType.DATE;
    } else if (value instanceof java.time.Instant) {
      type = PropertyType.DATE_TIME;
    } else if (value instanceof byte[]) {
      type = PropertyType.BLOB;
    } else if (value instanceof String || value instanceof java.time.LocalTime) {
      type = PropertyType.STRING;
    } else {
      return null;
    }
    return Property.of(column, type, true);
  }

  private String graphOf(Map<String, Object> row) {
    if (mapping.graph() != null) {
      return mapping.graph();
    }
    Object value = row.get(mapping.graphColumn());
    if (value == null) {
      throw new ChangeDecodeException(
          CdcRejection.CDC_MISSING_KEY,
          mapping.graphColumn(),
          "graph column " + mapping.graphColumn() + " is null or missing");
    }
    String graph = PropertyValues.text(value);
    try {
      GraphId.of(graph);
    } catch (InvalidNameException e) {
      throw new ChangeDecodeException(
          CdcRejection.CDC_BAD_GRAPH_ID,
          mapping.graphColumn(),
          "graph column " + mapping.graphColumn() + ": " + e.getMessage());
    }
    return graph;
  }
}
