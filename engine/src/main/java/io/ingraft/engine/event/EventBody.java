package io.ingraft.engine.event;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What an event does: exactly one of a schema change, a mutation or a load. */
public sealed interface EventBody {

  /** Creates the graph with this schema, or evolves its schema (additive changes only). */
  record SchemaChange(String source) implements EventBody {
    public SchemaChange {
      Objects.requireNonNull(source, "source");
    }
  }

  /** Ordered operations applied atomically; later operations see earlier ones. */
  record Mutation(List<Op> ops) implements EventBody {
    public Mutation {
      ops = List.copyOf(ops);
    }
  }

  /**
   * Rows of node and edge types, inline or from a JSON-lines file ({@code uri}), with a mode:
   * {@code APPEND} (a key collision rejects the event), {@code MERGE} (upsert) or {@code OVERWRITE}
   * (the listed types' contents are replaced).
   */
  record Load(
      LoadMode mode,
      Map<String, List<Map<String, Object>>> nodes,
      Map<String, List<Map<String, Object>>> edges,
      String uri)
      implements EventBody {
    public Load {
      Objects.requireNonNull(mode, "mode");
      nodes = nodes == null ? Map.of() : nodes;
      edges = edges == null ? Map.of() : edges;
    }
  }

  /** How a load treats existing rows. */
  enum LoadMode {
    APPEND,
    MERGE,
    OVERWRITE
  }
}
