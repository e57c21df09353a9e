package io.ingraft.engine.event;

import java.util.Map;
import java.util.Objects;

/**
 * One graph operation inside a mutation. Keys are the node's {@code @key} value (a String or a
 * Long); property maps hold JSON-like values that the schema coerces.
 */
public sealed interface Op {

  /** The node or edge type the operation addresses. */
  String type();

  /** Inserts or wholly replaces a node; {@code props} includes the key. */
  record UpsertNode(String type, Map<String, Object> props) implements Op {
    public UpsertNode {
      Objects.requireNonNull(type, "type");
      props = props == null ? Map.of() : props;
    }
  }

  /** Patches properties of an existing node; rejected if the node does not exist. */
  record UpdateNode(String type, Object key, Map<String, Object> set) implements Op {
    public UpdateNode {
      Objects.requireNonNull(type, "type");
      set = set == null ? Map.of() : set;
    }
  }

  /** Deletes a node and every incident edge of every edge type; a missing node is a no-op. */
  record DeleteNode(String type, Object key) implements Op {
    public DeleteNode {
      Objects.requireNonNull(type, "type");
    }
  }

  /**
   * Inserts an edge (or replaces the edge with the same id). Without an id, the id is derived from
   * the event id and the operation's index, so a replay produces the same id.
   */
  record InsertEdge(String type, Object from, Object to, Map<String, Object> props, String id)
      implements Op {
    public InsertEdge {
      Objects.requireNonNull(type, "type");
      props = props == null ? Map.of() : props;
    }
  }

  /** Deletes an edge by id, or every edge of the type between {@code from} and {@code to}. */
  record DeleteEdge(String type, Object from, Object to, String id) implements Op {
    public DeleteEdge {
      Objects.requireNonNull(type, "type");
    }
  }
}
