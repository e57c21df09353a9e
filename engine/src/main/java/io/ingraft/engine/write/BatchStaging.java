package io.ingraft.engine.write;

import io.ingraft.engine.EventRejectedException;
import io.ingraft.engine.EventResult;
import io.ingraft.engine.RejectionCode;
import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.EventBody.LoadMode;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.engine.schema.EdgeType;
import io.ingraft.engine.schema.GraphSchema;
import io.ingraft.engine.schema.InvalidValueException;
import io.ingraft.engine.schema.NodeType;
import io.ingraft.engine.schema.Property;
import io.ingraft.engine.schema.SchemaCatalog;
import io.ingraft.recovery.TableWrite;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.TablePin;
import io.ingraft.storage.table.ArrowRows;
import io.ingraft.storage.table.KeyIndex;
import io.ingraft.storage.table.ScanSpec;
import io.ingraft.storage.table.StagedWrite;
import io.ingraft.storage.table.TableStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Stages one batch of mutation and load events for one graph (docs/protocol.md, step 1): validates
 * every event against the schema and the graph (committed ∪ pending), keeps each event atomic with
 * an {@link UndoLog}, and turns the surviving changes into one staged write per touched table.
 * Nothing on disk moves until the staged writes are committed by the caller.
 *
 * <p>Committed state is read once per batch, before the events run: key sets for existence, and the
 * rows and edges the events' operations name (update targets, unique-value owners, edges of deleted
 * or cardinality-checked nodes). Later operations see earlier ones (read-your-writes).
 */
public final class BatchStaging {
  private final GraphSchema schema;
  private final SchemaCatalog catalog;
  private final TableStore tables;
  private final String graph;
  private final Map<String, NodeTableStaging> nodes = new LinkedHashMap<>();
  private final Map<String, EdgeTableStaging> edges = new LinkedHashMap<>();

  /** Per node type and unique property: value → key of the pending row holding it. */
  private final Map<String, Map<String, Map<Object, Object>>> pendingOwners = new HashMap<>();

  /** Per node type and unique property: value → key of the committed row holding it. */
  private final Map<String, Map<String, Map<Object, Object>>> committedOwners = new HashMap<>();

  private final UndoLog undo = new UndoLog();
  private final Set<CardCheck> cardChecks = new LinkedHashSet<>();

  private record CardCheck(EdgeTableStaging edges, Object from) {}

  /**
   * @param keyIndexes the key index of a table at a version (cached by the caller)
   */
  public BatchStaging(
      String graph,
      GraphSchema schema,
      Manifest manifest,
      TableStore tables,
      KeyIndexes keyIndexes) {
    this.graph = graph;
    this.schema = schema;
    this.catalog = new SchemaCatalog(schema);
    this.tables = tables;
    for (NodeType type : schema.nodeTypes()) {
      TablePin pin =
          manifest
              .table(type.tableKey().value())
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "manifest of " + graph + " has no table " + type.tableKey()));
      nodes.put(
          type.name().value(),
          new NodeTableStaging(
              type,
              pin.path(),
              pin.version(),
              keyIndexes.of(pin.path(), pin.version(), type.key().name())));
    }
    for (EdgeType type : schema.edgeTypes()) {
      TablePin pin =
          manifest
              .table(type.tableKey().value())
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "manifest of " + graph + " has no table " + type.tableKey()));
      edges.put(
          type.name().value(),
          new EdgeTableStaging(
              type,
              pin.path(),
              pin.version(),
              keyIndexes.of(pin.path(), pin.version(), SchemaCatalog.EDGE_ID)));
    }
  }

  /**
   * The key index (node keys, edge ids → row addresses) of a table at exactly a version; the engine
   * caches them across batches.
   */
  @FunctionalInterface
  public interface KeyIndexes {
    KeyIndex of(String path, long version, String keyColumn);
  }

  // ---------------------------------------------------------------------------------------------
  // Staging events

  /** Validates and stages {@code events} in order; one result per event. */
  public List<EventResult> stage(List<GraphEvent> events) {
    prefetch(events);
    List<EventResult> results = new ArrayList<>(events.size());
    for (GraphEvent event : events) {
      cardChecks.clear();
      try {
        apply(event);
        checkCardinality();
        undo.commit();
        results.add(EventResult.applied(event.eventId(), event.source()));
      } catch (EventRejectedException e) {
        undo.rollback();
        results.add(
            EventResult.rejected(event.eventId(), event.source(), e.code(), e.getMessage()));
      } catch (InvalidValueException e) {
        undo.rollback();
        results.add(
            EventResult.rejected(
                event.eventId(), event.source(), RejectionCode.BAD_VALUE, e.getMessage()));
      }
    }
    return results;
  }

  private void apply(GraphEvent event) {
    if (event.body() instanceof EventBody.Mutation mutation) {
      List<Op> ops = mutation.ops();
      for (int i = 0; i < ops.size(); i++) {
        applyOp(event, i, ops.get(i));
      }
    } else if (event.body() instanceof EventBody.Load load) {
      applyLoad(event, load);
    } else {
      throw new IllegalArgumentException("BatchStaging stages mutations and loads only");
    }
  }

  private void applyOp(GraphEvent event, int index, Op op) {
    if (op instanceof Op.UpsertNode upsert) {
      upsertNode(nodeTable(upsert.type()), upsert.props(), false);
    } else if (op instanceof Op.UpdateNode update) {
      updateNode(nodeTable(update.type()), update.key(), update.set());
    } else if (op instanceof Op.DeleteNode delete) {
      deleteNode(nodeTable(delete.type()), delete.key());
    } else if (op instanceof Op.InsertEdge insert) {
      insertEdge(
          edgeTable(insert.type()),
          insert.from(),
          insert.to(),
          insert.props(),
          insert.id() != null ? checkedEdgeId(insert.id()) : derivedEdgeId(event, index));
    } else if (op instanceof Op.DeleteEdge delete) {
      deleteEdge(edgeTable(delete.type()), delete.from(), delete.to(), delete.id());
    }
  }

  private void applyLoad(GraphEvent event, EventBody.Load load) {
    for (Map.Entry<String, List<Map<String, Object>>> entry : load.nodes().entrySet()) {
      NodeTableStaging table = nodeTable(entry.getKey());
      Set<Object> loaded = new HashSet<>();
      for (Map<String, Object> props : entry.getValue()) {
        loaded.add(upsertNode(table, withKey(table.type, props), load.mode() == LoadMode.APPEND));
      }
      if (load.mode() == LoadMode.OVERWRITE) {
        // Against the current state, committed ∪ pending: nodes upserted earlier in the batch
        // go too (read-your-writes), so a truncate can share its transaction's batch.
        for (Object key : currentKeys(table)) {
          if (!loaded.contains(key)) {
            deleteNode(table, key);
          }
        }
      }
    }
    int index = 0;
    for (Map.Entry<String, List<Map<String, Object>>> entry : load.edges().entrySet()) {
      EdgeTableStaging table = edgeTable(entry.getKey());
      if (load.mode() == LoadMode.OVERWRITE) {
        // Every current edge of the type goes, committed or inserted earlier in the batch;
        // the loaded ones replace them.
        for (Object id : table.committedIds) {
          table.delete(undo, (String) id);
        }
        for (String id : new ArrayList<>(table.upserts.keySet())) {
          table.delete(undo, id);
        }
      }
      for (Map<String, Object> row : entry.getValue()) {
        Map<String, Object> props = new HashMap<>(row);
        Object from = props.remove(SchemaCatalog.EDGE_FROM);
        Object to = props.remove(SchemaCatalog.EDGE_TO);
        Object id = props.remove(SchemaCatalog.EDGE_ID);
        String edgeId = id != null ? checkedEdgeId(id.toString()) : derivedEdgeId(event, index);
        if (load.mode() == LoadMode.APPEND && table.exists(edgeId)) {
          throw new EventRejectedException(
              RejectionCode.KEY_COLLISION,
              "edge " + entry.getKey() + " id '" + edgeId + "' already exists (append load)");
        }
        insertEdge(table, from, to, props, edgeId);
        index++;
      }
    }
  }

  /** The keys of a node table's current nodes, committed and pending (a copy). */
  private static List<Object> currentKeys(NodeTableStaging table) {
    List<Object> keys = new ArrayList<>(table.committedKeys.size() + table.upserts.size());
    keys.addAll(table.committedKeys);
    for (Object key : table.upserts.keySet()) {
      if (!table.committedKeys.contains(key)) {
        keys.add(key);
      }
    }
    return keys;
  }

  /** A file-loaded node row names its key outside its props; put it where the schema says. */
  private static Map<String, Object> withKey(NodeType type, Map<String, Object> props) {
    if (!props.containsKey(LoadFiles.KEY_MARKER)) {
      return props;
    }
    Map<String, Object> row = new HashMap<>(props);
    row.put(type.key().name(), row.remove(LoadFiles.KEY_MARKER));
    return row;
  }

  /** Upserts a whole node; returns its key. */
  private Object upsertNode(NodeTableStaging table, Map<String, Object> props, boolean append) {
    NodeType type = table.type;
    requireDeclared(type.name().value(), props.keySet(), type.properties());
    Object key = coerceKey(type, props.get(type.key().name()));
    if (append && table.exists(key)) {
      throw new EventRejectedException(
          RejectionCode.KEY_COLLISION, type.name() + " '" + key + "' already exists (append load)");
    }
    Map<String, Object> row = new HashMap<>();
    for (Property property : type.properties()) {
      row.put(property.name(), property.coerce(props.get(property.name())));
    }
    row.put(type.key().name(), key);
    checkUnique(table, key, row);
    table.upsert(undo, key, row);
    markMinCardinality(type, key);
    return key;
  }

  private void updateNode(NodeTableStaging table, Object rawKey, Map<String, Object> set) {
    NodeType type = table.type;
    Object key = coerceKey(type, rawKey);
    requireDeclared(type.name().value(), set.keySet(), type.properties());
    Map<String, Object> current = table.row(key);
    if (current == null) {
      throw new EventRejectedException(
          RejectionCode.NODE_NOT_FOUND,
          "updateNode: " + type.name() + " '" + key + "' does not exist");
    }
    Map<String, Object> row = new HashMap<>(current);
    for (Map.Entry<String, Object> e : set.entrySet()) {
      Property property = type.property(e.getKey()).orElseThrow();
      Object value = property.coerce(e.getValue());
      if (property.equals(type.key()) && !key.equals(value)) {
        throw new EventRejectedException(
            RejectionCode.BAD_VALUE,
            "updateNode: the key of " + type.name() + " '" + key + "' cannot change");
      }
      row.put(property.name(), value);
    }
    checkUnique(table, key, row);
    table.upsert(undo, key, row);
  }

  private void deleteNode(NodeTableStaging table, Object rawKey) {
    Object key = coerceKey(table.type, rawKey);
    if (!table.exists(key)) {
      return;
    }
    table.delete(undo, key);
    String typeName = table.type.name().value();
    for (EdgeTableStaging edgeTable : edges.values()) {
      EdgeType edgeType = edgeTable.type;
      if (edgeType.from().value().equals(typeName)) {
        for (String id : edgeTable.from(key)) {
          edgeTable.delete(undo, id);
        }
      }
      if (edgeType.to().value().equals(typeName)) {
        for (String id : edgeTable.to(key)) {
          Object source = edgeTable.row(id).get(SchemaCatalog.EDGE_FROM);
          edgeTable.delete(undo, id);
          cardChecks.add(new CardCheck(edgeTable, source));
        }
      }
    }
  }

  private void insertEdge(
      EdgeTableStaging table, Object rawFrom, Object rawTo, Map<String, Object> props, String id) {
    EdgeType type = table.type;
    NodeTableStaging fromTable = nodes.get(type.from().value());
    NodeTableStaging toTable = nodes.get(type.to().value());
    Object from = coerceEndpoint(type, "from", fromTable.type, rawFrom);
    Object to = coerceEndpoint(type, "to", toTable.type, rawTo);
    if (!fromTable.exists(from)) {
      throw new EventRejectedException(
          RejectionCode.MISSING_ENDPOINT,
          "edge "
              + type.name()
              + ": source "
              + fromTable.type.name()
              + " '"
              + from
              + "' does not exist");
    }
    if (!toTable.exists(to)) {
      throw new EventRejectedException(
          RejectionCode.MISSING_ENDPOINT,
          "edge "
              + type.name()
              + ": target "
              + toTable.type.name()
              + " '"
              + to
              + "' does not exist");
    }
    requireDeclared(type.name().value(), props.keySet(), type.properties());
    Map<String, Object> row = new HashMap<>();
    for (Property property : type.properties()) {
      row.put(property.name(), property.coerce(props.get(property.name())));
    }
    row.put(SchemaCatalog.EDGE_ID, id);
    row.put(SchemaCatalog.EDGE_FROM, from);
    row.put(SchemaCatalog.EDGE_TO, to);
    Map<String, Object> previous = table.row(id);
    if (previous != null) {
      cardChecks.add(new CardCheck(table, previous.get(SchemaCatalog.EDGE_FROM)));
    }
    table.upsert(undo, id, row);
    cardChecks.add(new CardCheck(table, from));
  }

  private void deleteEdge(EdgeTableStaging table, Object rawFrom, Object rawTo, String id) {
    EdgeType type = table.type;
    if (id != null) {
      Map<String, Object> row = table.row(id);
      if (row != null) {
        cardChecks.add(new CardCheck(table, row.get(SchemaCatalog.EDGE_FROM)));
        table.delete(undo, id);
      }
      return;
    }
    Object from = coerceEndpoint(type, "from", nodes.get(type.from().value()).type, rawFrom);
    Object to = coerceEndpoint(type, "to", nodes.get(type.to().value()).type, rawTo);
    for (String edgeId : table.from(from)) {
      if (to.equals(table.row(edgeId).get(SchemaCatalog.EDGE_TO))) {
        table.delete(undo, edgeId);
      }
    }
    cardChecks.add(new CardCheck(table, from));
  }

  /** A new node of an edge type's source type must meet the type's minimum at once. */
  private void markMinCardinality(NodeType type, Object key) {
    for (EdgeTableStaging table : edges.values()) {
      if (table.type.from().equals(type.name()) && table.type.cardinality().min() > 0) {
        cardChecks.add(new CardCheck(table, key));
      }
    }
  }

  private void checkCardinality() {
    for (CardCheck check : cardChecks) {
      EdgeType type = check.edges().type;
      if (type.cardinality().isUnbounded() && type.cardinality().min() == 0) {
        continue;
      }
      if (!nodes.get(type.from().value()).exists(check.from())) {
        continue;
      }
      int count = check.edges().from(check.from()).size();
      if (!type.cardinality().allows(count)) {
        throw new EventRejectedException(
            RejectionCode.CARDINALITY,
            "edge "
                + type.name()
                + " "
                + type.cardinality()
                + ": "
                + type.from()
                + " '"
                + check.from()
                + "' would have "
                + count
                + " edges");
      }
    }
  }

  private void checkUnique(NodeTableStaging table, Object key, Map<String, Object> row) {
    String typeName = table.type.name().value();
    for (Property property : table.type.properties()) {
      if (!property.unique() || property.equals(table.type.key())) {
        continue;
      }
      Object value = row.get(property.name());
      if (value == null) {
        continue;
      }
      Map<Object, Object> pending =
          pendingOwners
              .computeIfAbsent(typeName, k -> new HashMap<>())
              .computeIfAbsent(property.name(), k -> new HashMap<>());
      Object owner = pending.get(value);
      if (owner == null) {
        owner =
            committedOwners
                .getOrDefault(typeName, Map.of())
                .getOrDefault(property.name(), Map.of())
                .get(value);
      }
      if (owner != null && !owner.equals(key)) {
        Map<String, Object> ownerRow = table.row(owner);
        if (ownerRow != null && value.equals(ownerRow.get(property.name()))) {
          throw new EventRejectedException(
              RejectionCode.UNIQUENESS,
              table.type.name()
                  + "."
                  + property.name()
                  + " = '"
                  + value
                  + "' already belongs to '"
                  + owner
                  + "'");
        }
      }
      undo.put(pending, value, key);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Validation helpers

  private NodeTableStaging nodeTable(String type) {
    NodeTableStaging table = nodes.get(type);
    if (table == null) {
      throw new EventRejectedException(
          RejectionCode.UNKNOWN_TYPE,
          edges.containsKey(type)
              ? type + " is an edge type, not a node type"
              : "unknown node type '" + type + "'");
    }
    return table;
  }

  private EdgeTableStaging edgeTable(String type) {
    EdgeTableStaging table = edges.get(type);
    if (table == null) {
      throw new EventRejectedException(
          RejectionCode.UNKNOWN_TYPE,
          nodes.containsKey(type)
              ? type + " is a node type, not an edge type"
              : "unknown edge type '" + type + "'");
    }
    return table;
  }

  private static void requireDeclared(String type, Set<String> names, List<Property> properties) {
    for (String name : names) {
      if (!declares(properties, name)) {
        throw new EventRejectedException(
            RejectionCode.UNKNOWN_PROPERTY, type + " has no property '" + name + "'");
      }
    }
  }

  /** A loop, not a stream: this runs for every property of every event. */
  private static boolean declares(List<Property> properties, String name) {
    for (Property property : properties) {
      if (property.name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static Object coerceKey(NodeType type, Object raw) {
    if (raw == null) {
      throw new EventRejectedException(
          RejectionCode.MISSING_KEY, type.name() + " needs its key '" + type.key().name() + "'");
    }
    return type.key().coerce(raw);
  }

  private static Object coerceEndpoint(EdgeType edge, String side, NodeType node, Object raw) {
    if (raw == null) {
      throw new EventRejectedException(
          RejectionCode.MISSING_KEY,
          "edge " + edge.name() + " needs '" + side + "' (a " + node.name() + " key)");
    }
    return node.key().coerce(raw);
  }

  /** An edge id as given, if it is valid Unicode (it is stored as UTF-8 and found by filter). */
  private static String checkedEdgeId(String id) {
    int lone = io.ingraft.engine.schema.UnicodeText.loneSurrogate(id);
    if (lone >= 0) {
      throw new EventRejectedException(
          RejectionCode.BAD_VALUE,
          "edge id has a lone UTF-16" + " surrogate at index " + lone + " (no UTF-8 form)");
    }
    return id;
  }

  /** Deterministic, so a replayed event produces the same edge ids. */
  private String derivedEdgeId(GraphEvent event, int index) {
    return UUID.nameUUIDFromBytes(
            (graph + "\u0000" + event.eventId() + "\u0000" + index)
                .getBytes(StandardCharsets.UTF_8))
        .toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Prefetch: committed state the events will read

  private void prefetch(List<GraphEvent> events) {
    BatchReads reads = new BatchReads();
    for (GraphEvent event : events) {
      if (event.body() instanceof EventBody.Mutation mutation) {
        for (Op op : mutation.ops()) {
          reads.note(op);
        }
      } else if (event.body() instanceof EventBody.Load load) {
        reads.note(load);
      }
    }
    reads.fetch();
  }

  /** What committed rows and edges a batch's events name, collected before they run. */
  private final class BatchReads {
    final Map<String, Set<Object>> nodeRows = new HashMap<>();
    final Map<String, Map<String, Set<Object>>> uniqueValues = new HashMap<>();
    final Map<String, Set<Object>> edgesFrom = new HashMap<>();
    final Map<String, Set<Object>> edgesTo = new HashMap<>();
    final Map<String, Set<Object>> edgeIds = new HashMap<>();
    final Set<String> wholeEdgeTables = new HashSet<>();

    void note(Op op) {
      if (op instanceof Op.UpsertNode upsert) {
        noteNode(upsert.type(), upsert.props(), null);
      } else if (op instanceof Op.UpdateNode update) {
        NodeTableStaging table = nodes.get(update.type());
        Object key = table == null ? null : tryKey(table.type, update.key());
        if (key != null) {
          nodeRows.computeIfAbsent(update.type(), k -> new HashSet<>()).add(key);
          noteNode(update.type(), update.set(), key);
        }
      } else if (op instanceof Op.DeleteNode delete) {
        noteDelete(delete.type(), delete.key());
      } else if (op instanceof Op.InsertEdge insert) {
        noteEdge(insert.type(), insert.from(), insert.id());
      } else if (op instanceof Op.DeleteEdge delete) {
        EdgeTableStaging table = edges.get(delete.type());
        if (table == null) {
          return;
        }
        if (delete.id() != null) {
          edgeIds.computeIfAbsent(delete.type(), k -> new HashSet<>()).add(delete.id());
        } else {
          Object from = tryKey(nodes.get(table.type.from().value()).type, delete.from());
          if (from != null) {
            edgesFrom.computeIfAbsent(delete.type(), k -> new HashSet<>()).add(from);
          }
        }
      }
    }

    void note(EventBody.Load load) {
      for (Map.Entry<String, List<Map<String, Object>>> entry : load.nodes().entrySet()) {
        NodeTableStaging nodeTable = nodes.get(entry.getKey());
        for (Map<String, Object> props : entry.getValue()) {
          noteNode(
              entry.getKey(), nodeTable == null ? props : withKey(nodeTable.type, props), null);
        }
        if (load.mode() == LoadMode.OVERWRITE) {
          // Nodes that disappear take their edges with them: read every incident edge.
          for (EdgeTableStaging table : edges.values()) {
            if (table.type.from().value().equals(entry.getKey())
                || table.type.to().value().equals(entry.getKey())) {
              wholeEdgeTables.add(table.type.name().value());
            }
          }
        }
      }
      for (Map.Entry<String, List<Map<String, Object>>> entry : load.edges().entrySet()) {
        if (load.mode() == LoadMode.OVERWRITE) {
          wholeEdgeTables.add(entry.getKey());
        }
        for (Map<String, Object> row : entry.getValue()) {
          Object id = row.get(SchemaCatalog.EDGE_ID);
          noteEdge(
              entry.getKey(), row.get(SchemaCatalog.EDGE_FROM), id == null ? null : id.toString());
        }
      }
    }

    private void noteNode(String type, Map<String, Object> props, Object knownKey) {
      NodeTableStaging table = nodes.get(type);
      if (table == null) {
        return;
      }
      Object key =
          knownKey != null ? knownKey : tryKey(table.type, props.get(table.type.key().name()));
      for (Property property : table.type.properties()) {
        if (property.unique() && props.get(property.name()) != null) {
          Object value = tryValue(property, props.get(property.name()));
          if (value != null) {
            uniqueValues
                .computeIfAbsent(type, k -> new HashMap<>())
                .computeIfAbsent(property.name(), k -> new HashSet<>())
                .add(value);
          }
        }
      }
      if (key == null) {
        return;
      }
      for (EdgeTableStaging edgeTable : edges.values()) {
        if (edgeTable.type.from().value().equals(type) && edgeTable.type.cardinality().min() > 0) {
          edgesFrom.computeIfAbsent(edgeTable.type.name().value(), k -> new HashSet<>()).add(key);
        }
      }
    }

    private void noteDelete(String type, Object rawKey) {
      NodeTableStaging table = nodes.get(type);
      Object key = table == null ? null : tryKey(table.type, rawKey);
      if (key == null) {
        return;
      }
      for (EdgeTableStaging edgeTable : edges.values()) {
        String name = edgeTable.type.name().value();
        if (edgeTable.type.from().value().equals(type)) {
          edgesFrom.computeIfAbsent(name, k -> new HashSet<>()).add(key);
        }
        if (edgeTable.type.to().value().equals(type)) {
          edgesTo.computeIfAbsent(name, k -> new HashSet<>()).add(key);
        }
      }
    }

    private void noteEdge(String type, Object rawFrom, String id) {
      EdgeTableStaging table = edges.get(type);
      if (table == null
          || (table.type.cardinality().isUnbounded() && table.type.cardinality().min() == 0)) {
        return; // Unbounded edges need no committed reads: inserts only upsert by id.
      }
      Object from = tryKey(nodes.get(table.type.from().value()).type, rawFrom);
      if (from != null) {
        edgesFrom.computeIfAbsent(type, k -> new HashSet<>()).add(from);
      }
      if (id != null) {
        edgeIds.computeIfAbsent(type, k -> new HashSet<>()).add(id);
      }
    }

    void fetch() {
      nodeRows.forEach(
          (type, keys) -> {
            NodeTableStaging table = nodes.get(type);
            // Found by address in the key index: a take of the batch's rows, not a scan.
            List<Long> addresses = new ArrayList<>(keys.size());
            for (Object key : keys) {
              long address = table.index.addressOf(key);
              if (address >= 0) {
                addresses.add(address);
              }
            }
            for (Map<String, Object> row :
                tables.readRowsAt(table.path, table.pinnedVersion, addresses)) {
              table.committedRows.put(row.get(table.type.key().name()), row);
            }
          });
      uniqueValues.forEach(
          (type, byProperty) -> {
            NodeTableStaging table = nodes.get(type);
            byProperty.forEach(
                (property, values) -> {
                  Map<Object, Object> owners =
                      committedOwners
                          .computeIfAbsent(type, k -> new HashMap<>())
                          .computeIfAbsent(property, k -> new HashMap<>());
                  for (String filter : SqlLiterals.inChunks(property, values)) {
                    for (Map<String, Object> row : read(table.path, table.pinnedVersion, filter)) {
                      Object key = row.get(table.type.key().name());
                      table.committedRows.put(key, row);
                      owners.put(row.get(property), key);
                    }
                  }
                });
          });
      for (EdgeTableStaging table : edges.values()) {
        String type = table.type.name().value();
        if (table.index.size() == 0) {
          // No committed edge at the pin (its key index is empty): nothing to read. A scan would
          // still plan its filter, an IN list of every key the batch deletes (tens of ms for 10k).
          continue;
        }
        if (wholeEdgeTables.contains(type)) {
          read(table.path, table.pinnedVersion, null).forEach(table::addCommitted);
          continue;
        }
        fetchEdges(
            table, edgesFrom.getOrDefault(type, Set.of()), edgesTo.getOrDefault(type, Set.of()));
        Set<Object> ids = edgeIds.get(type);
        if (ids != null) {
          // By address in the edge table's key index: a take, not a scan.
          List<Long> addresses = new ArrayList<>(ids.size());
          for (Object id : ids) {
            long address = table.index.addressOf(id);
            if (address >= 0) {
              addresses.add(address);
            }
          }
          tables
              .readRowsAt(table.path, table.pinnedVersion, addresses)
              .forEach(table::addCommitted);
        }
      }
    }

    /**
     * The committed edges leaving a node of {@code from} or entering one of {@code to}, in one
     * scan: both lists in one filter while each holds at most {@link SqlLiterals#CHUNK} keys (a
     * batch of 10,000 node deletes used to scan the edge table twenty times, once per column and
     * chunk of 1,000), and past that the ids and endpoints of every edge matched in memory. Either
     * way a row carries the id and the endpoints, all staging reads of a committed edge.
     */
    private void fetchEdges(EdgeTableStaging table, Set<Object> from, Set<Object> to) {
      if (from.isEmpty() && to.isEmpty()) {
        return;
      }
      List<Map<String, Object>> rows;
      if (from.size() <= SqlLiterals.CHUNK && to.size() <= SqlLiterals.CHUNK) {
        String filter =
            from.isEmpty()
                ? SqlLiterals.in(SchemaCatalog.EDGE_TO, to)
                : to.isEmpty()
                    ? SqlLiterals.in(SchemaCatalog.EDGE_FROM, from)
                    : SqlLiterals.in(SchemaCatalog.EDGE_FROM, from)
                        + " OR "
                        + SqlLiterals.in(SchemaCatalog.EDGE_TO, to);
        rows = read(table.path, table.pinnedVersion, filter);
      } else {
        rows =
            tables.readRowsWhereIn(
                table.path,
                table.pinnedVersion,
                Map.of(SchemaCatalog.EDGE_FROM, from, SchemaCatalog.EDGE_TO, to),
                List.of(SchemaCatalog.EDGE_ID, SchemaCatalog.EDGE_FROM, SchemaCatalog.EDGE_TO));
      }
      rows.forEach(table::addCommitted);
    }

    private List<Map<String, Object>> read(String path, long version, String filter) {
      return tables.readRows(
          path, version, filter == null ? ScanSpec.all() : ScanSpec.where(filter));
    }

    private Object tryKey(NodeType type, Object raw) {
      return raw == null ? null : tryValue(type.key(), raw);
    }

    private Object tryValue(Property property, Object raw) {
      try {
        return property.coerce(raw);
      } catch (InvalidValueException e) {
        return null; // The event will be rejected when it runs.
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Staged writes

  /** One staged write per touched table, against its pinned version. Call after {@link #stage}. */
  public List<TableWrite> stagedWrites() {
    List<TableWrite> writes = new ArrayList<>();
    for (NodeTableStaging table : nodes.values()) {
      if (!table.touched()) {
        continue;
      }
      String keyColumn = table.type.key().name();
      writes.add(
          new TableWrite(
              table.type.tableKey().value(),
              stageRows(
                  table.path,
                  table.pinnedVersion,
                  keyColumn,
                  catalog.nodeSchema(table.type),
                  new ArrayList<>(table.upserts.values()),
                  table.deletes,
                  !table.replacesCommittedRows(),
                  table.index)));
    }
    for (EdgeTableStaging table : edges.values()) {
      if (!table.touched()) {
        continue;
      }
      Set<Object> deletes = new HashSet<>(table.deletes);
      boolean appendOnly =
          deletes.isEmpty()
              && table.upserts.keySet().stream().noneMatch(table.committedIds::contains);
      writes.add(
          new TableWrite(
              table.type.tableKey().value(),
              stageRows(
                  table.path,
                  table.pinnedVersion,
                  SchemaCatalog.EDGE_ID,
                  catalog.edgeSchema(table.type),
                  new ArrayList<>(table.upserts.values()),
                  deletes,
                  appendOnly,
                  table.index)));
    }
    return writes;
  }

  private StagedWrite stageRows(
      String path,
      long version,
      String keyColumn,
      org.apache.arrow.vector.types.pojo.Schema arrow,
      List<Map<String, Object>> rows,
      Set<Object> deletes,
      boolean appendOnly,
      KeyIndex index) {
    try (VectorSchemaRoot batch = ArrowRows.toRoot(arrow, rows, tables.allocator())) {
      if (appendOnly) {
        return tables.stageAppend(path, version, batch);
      }
      // The rows replaced or deleted are looked up in the key index, not found by a scan.
      return tables.stageMerge(path, version, keyColumn, batch, deletes, index);
    }
  }

  /** Committed key changes per table, for the caller's key index after the publish. */
  public Map<String, KeyChange> keyChanges() {
    Map<String, KeyChange> changes = new HashMap<>();
    for (NodeTableStaging table : nodes.values()) {
      if (table.touched()) {
        changes.put(
            table.path,
            new KeyChange(new ArrayList<>(table.upserts.keySet()), new HashSet<>(table.deletes)));
      }
    }
    for (EdgeTableStaging table : edges.values()) {
      if (table.touched()) {
        changes.put(
            table.path,
            new KeyChange(new ArrayList<>(table.upserts.keySet()), new HashSet<>(table.deletes)));
      }
    }
    return changes;
  }

  /**
   * Keys a batch wrote to and deleted from one table: {@code written} in the order of the staged
   * rows (which is how the key index learns their row addresses), {@code removed} the committed
   * keys deleted without a new row.
   */
  public record KeyChange(List<Object> written, Set<Object> removed) {}
}
