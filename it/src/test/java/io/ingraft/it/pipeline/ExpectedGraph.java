package io.ingraft.it.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.engine.schema.EdgeType;
import io.ingraft.engine.schema.GraphSchema;
import io.ingraft.engine.schema.NodeType;
import io.ingraft.events.avro.EdgeRow;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.SchemaBody;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * An in-memory model of one graph, built by applying the same producer events the pipeline gets, in
 * each graph's order, exactly once, with the semantics of docs/semantics.md (upserts replace a node
 * whole, updates patch it, a node delete takes every incident edge with it, edges without an id get
 * the engine's derived id, merge loads upsert, overwrite loads replace the listed types). It does
 * not validate: callers feed it only the events the engine must apply. Its {@link #export()} is the
 * engine's export format (types by name, nodes by key, edges by id, properties by name, nulls left
 * out), so equal graphs give equal text.
 *
 * <p>The schema language is parsed with the engine's own parser, only to learn each node type's key
 * property and each edge type's endpoint types.
 */
final class ExpectedGraph {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Comparator<Object> KEYS = ExpectedGraph::compareKeys;

  private final String graph;
  private GraphSchema schema;

  /** Node type → key → properties without the key (no nulls). */
  private final TreeMap<String, TreeMap<Object, Map<String, Object>>> nodes = new TreeMap<>();

  /** Edge type → edge id → the edge. */
  private final TreeMap<String, TreeMap<String, Edge>> edges = new TreeMap<>();

  private record Edge(Object from, Object to, Map<String, Object> props) {}

  ExpectedGraph(String graph) {
    this.graph = graph;
  }

  String graph() {
    return graph;
  }

  /** Applies one event that the engine must apply (never a rejected one). */
  void apply(GraphEvent event) {
    if (!event.getGraph().equals(graph)) {
      throw new IllegalArgumentException(event.getEventId() + " is for " + event.getGraph());
    }
    Object body = event.getBody();
    if (body instanceof SchemaBody s) {
      schema = GraphSchema.parse(s.getSource());
      schema
          .nodeTypes()
          .forEach(t -> nodes.computeIfAbsent(t.name().value(), k -> new TreeMap<>(KEYS)));
      schema
          .edgeTypes()
          .forEach(t -> edges.computeIfAbsent(t.name().value(), k -> new TreeMap<>()));
    } else if (body instanceof MutationBody m) {
      List<Op> ops = m.getOps();
      for (int i = 0; i < ops.size(); i++) {
        op(event, i, ops.get(i));
      }
    } else if (body instanceof LoadBody l) {
      load(event, l);
    } else {
      throw new IllegalArgumentException("unknown body " + body);
    }
  }

  private void op(GraphEvent event, int index, Op op) {
    String type = op.getType();
    switch (op.getOp()) {
      case UPSERT_NODE -> upsertNode(type, op.getProps());
      case UPDATE_NODE -> {
        Map<String, Object> current = nodes(type).get(op.getKey());
        if (current == null) {
          throw new IllegalStateException("the scenario updates a missing node " + op.getKey());
        }
        op.getSet()
            .forEach(
                (k, v) -> {
                  if (v == null) {
                    current.remove(k.toString());
                  } else if (!k.toString().equals(keyOf(type))) {
                    current.put(k.toString(), v);
                  }
                });
      }
      case DELETE_NODE -> deleteNode(type, op.getKey());
      case INSERT_EDGE ->
          edges(type)
              .put(
                  op.getId() != null ? op.getId() : derivedEdgeId(event.getEventId(), index),
                  new Edge(op.getFrom(), op.getTo(), withoutNulls(op.getProps())));
      case DELETE_EDGE -> {
        if (op.getId() != null) {
          edges(type).remove(op.getId());
        } else {
          edges(type)
              .values()
              .removeIf(e -> e.from().equals(op.getFrom()) && e.to().equals(op.getTo()));
        }
      }
      default -> throw new IllegalArgumentException("unknown op " + op.getOp());
    }
  }

  private void load(GraphEvent event, LoadBody load) {
    boolean overwrite = load.getMode() == LoadMode.OVERWRITE;
    for (Map.Entry<String, List<Map<String, Object>>> entry : load.getNodes().entrySet()) {
      String type = entry.getKey();
      Set<Object> loaded = new HashSet<>();
      for (Map<String, Object> row : entry.getValue()) {
        loaded.add(upsertNode(type, row));
      }
      if (overwrite) {
        for (Object key : new ArrayList<>(nodes(type).keySet())) {
          if (!loaded.contains(key)) {
            deleteNode(type, key);
          }
        }
      }
    }
    int index = 0;
    for (Map.Entry<String, List<EdgeRow>> entry : load.getEdges().entrySet()) {
      TreeMap<String, Edge> table = edges(entry.getKey());
      if (overwrite) {
        table.clear();
      }
      for (EdgeRow row : entry.getValue()) {
        String id = row.getId() != null ? row.getId() : derivedEdgeId(event.getEventId(), index);
        table.put(id, new Edge(row.getFrom(), row.getTo(), withoutNulls(row.getProps())));
        index++;
      }
    }
  }

  private Object upsertNode(String type, Map<String, Object> props) {
    String keyName = keyOf(type);
    Object key = props.get(keyName);
    Map<String, Object> row = withoutNulls(props);
    row.remove(keyName);
    nodes(type).put(key, row);
    return key;
  }

  private void deleteNode(String type, Object key) {
    if (nodes(type).remove(key) == null) {
      return;
    }
    for (EdgeType edge : schema.edgeTypes()) {
      TreeMap<String, Edge> table = edges(edge.name().value());
      if (edge.from().value().equals(type)) {
        table.values().removeIf(e -> e.from().equals(key));
      }
      if (edge.to().value().equals(type)) {
        table.values().removeIf(e -> e.to().equals(key));
      }
    }
  }

  /** The engine's derived edge id: a name-based UUID of graph, event id and op (or row) index. */
  String derivedEdgeId(String eventId, int index) {
    return UUID.nameUUIDFromBytes(
            (graph + "\u0000" + eventId + "\u0000" + index).getBytes(StandardCharsets.UTF_8))
        .toString();
  }

  private String keyOf(String type) {
    NodeType node =
        schema
            .nodeType(type)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "no node type " + type + " in the scenario's schema"));
    return node.key().name();
  }

  private TreeMap<Object, Map<String, Object>> nodes(String type) {
    TreeMap<Object, Map<String, Object>> table = nodes.get(type);
    if (table == null) {
      throw new IllegalStateException("no node type " + type);
    }
    return table;
  }

  private TreeMap<String, Edge> edges(String type) {
    TreeMap<String, Edge> table = edges.get(type);
    if (table == null) {
      throw new IllegalStateException("no edge type " + type);
    }
    return table;
  }

  private static Map<String, Object> withoutNulls(Map<? extends CharSequence, Object> props) {
    Map<String, Object> out = new TreeMap<>();
    if (props != null) {
      props.forEach(
          (k, v) -> {
            if (v != null) {
              out.put(k.toString(), v);
            }
          });
    }
    return out;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static int compareKeys(Object a, Object b) {
    return ((Comparable) a).compareTo(b);
  }

  /** The graph in the engine's export format. */
  String export() {
    StringBuilder out = new StringBuilder();
    try {
      for (Map.Entry<String, TreeMap<Object, Map<String, Object>>> type : nodes.entrySet()) {
        for (Map.Entry<Object, Map<String, Object>> node : type.getValue().entrySet()) {
          Map<String, Object> line = new LinkedHashMap<>();
          line.put("kind", "node");
          line.put("type", type.getKey());
          line.put("key", node.getKey());
          line.put("props", new TreeMap<>(node.getValue()));
          out.append(JSON.writeValueAsString(line)).append('\n');
        }
      }
      for (Map.Entry<String, TreeMap<String, Edge>> type : edges.entrySet()) {
        for (Map.Entry<String, Edge> edge : type.getValue().entrySet()) {
          Map<String, Object> line = new LinkedHashMap<>();
          line.put("kind", "edge");
          line.put("type", type.getKey());
          line.put("id", edge.getKey());
          line.put("from", edge.getValue().from());
          line.put("to", edge.getValue().to());
          line.put("props", new TreeMap<>(edge.getValue().props()));
          out.append(JSON.writeValueAsString(line)).append('\n');
        }
      }
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return out.toString();
  }
}
