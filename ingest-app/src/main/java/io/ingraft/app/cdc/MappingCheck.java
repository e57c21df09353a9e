package io.ingraft.app.cdc;

import io.ingraft.app.cdc.CdcMapping.Direction;
import io.ingraft.app.cdc.CdcMapping.Endpoint;
import io.ingraft.app.cdc.CdcMapping.ForeignKey;
import io.ingraft.app.cdc.CdcMapping.TableMapping;
import io.ingraft.engine.schema.EdgeType;
import io.ingraft.engine.schema.GraphSchema;
import io.ingraft.engine.schema.IncompatibleSchemaChangeException;
import io.ingraft.engine.schema.NodeType;
import io.ingraft.engine.schema.Property;
import io.ingraft.engine.schema.ScalarKind;
import io.ingraft.engine.schema.SchemaEvolution;
import io.ingraft.engine.schema.SchemaParseException;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.InvalidNameException;
import io.ingraft.storage.TypeName;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Every problem of a parsed CDC mapping: its own rules (one graph choice, one topic choice,
 * well-formed tables, keys and foreign keys) and, when a graph schema is known (declared in the
 * mapping or read from the graph), that each table's type, key, columns and edges exist there with
 * fitting types. Problems carry the place in the file; nothing stops at the first one.
 */
public final class MappingCheck {
  private static final Pattern TABLE_NAME = Pattern.compile("[^.\\s]+\\.[^.\\s]+");

  private final MappingReader file;
  private final CdcMapping mapping;
  private final List<MappingProblem> problems = new ArrayList<>();

  private MappingCheck(MappingReader file, CdcMapping mapping) {
    this.file = file;
    this.mapping = mapping;
  }

  /**
   * The problems of {@code mapping} (read by {@code file}), checked against {@code graphSchema}
   * when present and otherwise against the schema the mapping declares, if any.
   */
  public static List<MappingProblem> problems(
      MappingReader file, CdcMapping mapping, Optional<GraphSchema> graphSchema) {
    MappingCheck check = new MappingCheck(file, mapping);
    check.run(graphSchema);
    return check.problems;
  }

  /**
   * Reads and checks a mapping, the way stage 1 does at start-up.
   *
   * @throws InvalidMappingException with every problem, if there is any
   */
  public static CdcMapping load(MappingReader file, Optional<GraphSchema> graphSchema) {
    CdcMapping mapping = file.read();
    List<MappingProblem> found = problems(file, mapping, graphSchema);
    if (!found.isEmpty()) {
      throw new InvalidMappingException(file.file(), found);
    }
    return mapping;
  }

  /** The schema the mapping declares, parsed; empty when it declares none or it does not parse. */
  public static Optional<GraphSchema> declaredSchema(CdcMapping mapping) {
    if (mapping.schema() == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(GraphSchema.parse(mapping.schema()));
    } catch (SchemaParseException e) {
      return Optional.empty();
    }
  }

  private void problem(String message, String... path) {
    problems.add(file.problem(message, path));
  }

  private void run(Optional<GraphSchema> graphSchema) {
    if (mapping.source() == null || mapping.source().isBlank()) {
      problem("source must name the CDC source (Debezium's topic.prefix)", "source");
    }
    if ((mapping.graph() == null) == (mapping.graphColumn() == null)) {
      problem(
          "give exactly one of graph (a fixed graph id) and graphColumn (a column whose value"
              + " is the graph id)",
          "graph");
    } else if (mapping.graph() != null) {
      try {
        GraphId.of(mapping.graph());
      } catch (InvalidNameException e) {
        problem("graph: " + e.getMessage(), "graph");
      }
    }
    boolean list = !mapping.topics().isEmpty();
    if (list == (mapping.topicPattern() != null)) {
      problem(
          "give exactly one of topics (a list) and topicPattern (a regular expression)",
          list ? "topicPattern" : "topics");
    }
    if (mapping.topicPattern() != null) {
      try {
        Pattern.compile(mapping.topicPattern());
      } catch (PatternSyntaxException e) {
        problem("topicPattern is not a regular expression: " + e.getDescription(), "topicPattern");
      }
    }
    for (int i = 0; i < mapping.topics().size(); i++) {
      String topic = mapping.topics().get(i);
      if (topic == null || topic.isBlank()) {
        problem("a topic name cannot be blank", "topics", Integer.toString(i));
      } else if (topic.equals(mapping.transactionTopic())) {
        problem("the transaction topic is not a change topic", "topics", Integer.toString(i));
      }
    }
    if (mapping.transactionTopic() != null
        && mapping.topicPattern() != null
        && mapping.transactionTopic().matches(mapping.topicPattern())) {
      problem(
          "topicPattern matches the transaction topic "
              + mapping.transactionTopic()
              + "; exclude it",
          "topicPattern");
    }
    Optional<GraphSchema> schema = graphSchema;
    if (mapping.schema() != null) {
      try {
        GraphSchema declared = GraphSchema.parse(mapping.schema());
        graphSchema.ifPresent(stored -> checkEvolution(stored, declared));
        // The declared schema is what stage 1 maps by and writes; the graph's may only be an
        // older version of it, or a version that CDC evolved further.
        schema = Optional.of(declared);
      } catch (SchemaParseException e) {
        problem("schema " + e.getMessage(), "schema");
      }
    }
    if (mapping.tables().isEmpty()) {
      problem("tables must map at least one source table", "tables");
    }
    for (Map.Entry<String, TableMapping> entry : mapping.tables().entrySet()) {
      checkTable(entry.getKey(), entry.getValue(), schema);
    }
  }

  /**
   * The declared schema must be the graph's current one, an additive change of it, or one the
   * graph's grew from by additive changes ({@code newColumns: evolve}).
   */
  private void checkEvolution(GraphSchema stored, GraphSchema declared) {
    try {
      SchemaEvolution.check(stored, declared);
    } catch (IncompatibleSchemaChangeException forward) {
      try {
        SchemaEvolution.check(declared, stored);
      } catch (IncompatibleSchemaChangeException backward) {
        problem(
            "the declared schema is not an additive change of the graph's current schema: "
                + forward.getMessage(),
            "schema");
      }
    }
  }

  private void checkTable(String name, TableMapping table, Optional<GraphSchema> schema) {
    String[] at = {"tables", name};
    if (!TABLE_NAME.matcher(name).matches()) {
      problem(
          "a table is named schema.table as Debezium's source block has it (e.g."
              + " public.orders), not \""
              + name
              + "\"",
          at);
    }
    if (table == null) {
      problem("table " + name + " needs a mapping", at);
      return;
    }
    if ((table.node() == null) == (table.edge() == null)) {
      problem(
          "table "
              + name
              + ": give exactly one of node (a node type) and edge (a join table's"
              + " edge type)",
          at);
      return;
    }
    if (table.key().isEmpty()) {
      problem("table " + name + ": key must list the primary-key column(s)", path(at, "key"));
    }
    Set<String> excluded = new HashSet<>(table.exclude());
    if (table.columns() != null) {
      table
          .columns()
          .forEach(
              (column, property) -> {
                if (!isName(property)) {
                  problem(
                      "table "
                          + name
                          + ": column "
                          + column
                          + " maps to \""
                          + property
                          + "\", which is not a property name ([A-Za-z][A-Za-z0-9_]{0,127})",
                      path(at, "columns", column));
                }
                if (excluded.contains(column)) {
                  problem(
                      "table " + name + ": column " + column + " is both included and excluded",
                      path(at, "columns", column));
                }
              });
    }
    if (!table.isEdge()) {
      checkNodeTable(name, table, at, schema);
    } else {
      checkJoinTable(name, table, at, schema);
    }
  }

  private void checkNodeTable(
      String name, TableMapping table, String[] at, Optional<GraphSchema> schema) {
    if (table.from() != null || table.to() != null) {
      problem(
          "table " + name + ": from and to belong to a join table (edge), not to a node",
          path(at, table.from() != null ? "from" : "to"));
    }
    String keyProperty = keyProperty(table);
    if (keyProperty == null) {
      problem(
          "table "
              + name
              + ": a composite key ("
              + String.join(", ", table.key())
              + ") needs keyProperty, the String key property its key string goes to",
          path(at, "keyProperty"));
    }
    for (Map.Entry<String, ForeignKey> fk : table.foreignKeys().entrySet()) {
      if (table.key().contains(fk.getKey())) {
        problem(
            "table "
                + name
                + ": key column "
                + fk.getKey()
                + " cannot also be a foreign key"
                + " edge here",
            path(at, "foreignKeys", fk.getKey()));
      }
    }
    if (schema.isEmpty()) {
      return;
    }
    Optional<NodeType> found = schema.get().nodeType(table.node());
    if (found.isEmpty()) {
      problem("table " + name + ": the graph has no node type " + table.node(), path(at, "node"));
      return;
    }
    NodeType node = found.get();
    if (keyProperty != null) {
      if (!node.key().name().equals(keyProperty)) {
        problem(
            "table "
                + name
                + ": "
                + keyProperty
                + " is not the key of node "
                + node.name()
                + " (its key is "
                + node.key().name()
                + ")",
            path(at, table.keyProperty() != null ? "keyProperty" : "key"));
      } else if (table.key().size() > 1 && node.keyKind() != ScalarKind.STRING) {
        problem(
            "table "
                + name
                + ": a composite key string needs a String key, and "
                + node.name()
                + "."
                + keyProperty
                + " is "
                + node.key().type(),
            path(at, "key"));
      }
    }
    if (table.columns() != null) {
      Set<String> mapped = new HashSet<>(table.columns().values());
      if (keyProperty != null) {
        mapped.add(keyProperty);
      }
      table
          .columns()
          .forEach(
              (column, property) -> {
                if (property != null && node.property(property).isEmpty()) {
                  problem(
                      "table " + name + ": node " + node.name() + " has no property " + property,
                      path(at, "columns", column));
                }
              });
      for (Property property : node.properties()) {
        if (!property.nullable() && !mapped.contains(property.name())) {
          problem(
              "table "
                  + name
                  + ": non-nullable property "
                  + node.name()
                  + "."
                  + property.name()
                  + " gets no column, so every row would be refused",
              path(at, "columns"));
        }
      }
    }
    for (Map.Entry<String, ForeignKey> entry : table.foreignKeys().entrySet()) {
      checkForeignKey(name, node, entry.getKey(), entry.getValue(), at, schema.get());
    }
  }

  private void checkForeignKey(
      String table, NodeType node, String column, ForeignKey fk, String[] at, GraphSchema schema) {
    String[] here = path(at, "foreignKeys", column);
    Optional<NodeType> target = schema.nodeType(fk.references());
    if (target.isEmpty()) {
      problem(
          "table "
              + table
              + ": foreign key "
              + column
              + " references node type "
              + fk.references()
              + ", which the graph does not have",
          path(here, "references"));
      return;
    }
    Optional<EdgeType> edge = schema.edgeType(fk.edge());
    if (edge.isEmpty()) {
      problem(
          "table "
              + table
              + ": foreign key "
              + column
              + ": the graph has no edge type "
              + fk.edge(),
          path(here, "edge"));
      return;
    }
    String from = fk.direction() == Direction.OUT ? node.name().value() : fk.references();
    String to = fk.direction() == Direction.OUT ? fk.references() : node.name().value();
    if (!edge.get().from().value().equals(from) || !edge.get().to().value().equals(to)) {
      problem(
          "table "
              + table
              + ": foreign key "
              + column
              + " (direction "
              + fk.direction().name().toLowerCase()
              + ") makes "
              + fk.edge()
              + " edges "
              + from
              + " -> "
              + to
              + ", but the schema declares "
              + edge.get().from()
              + " -> "
              + edge.get().to(),
          path(here, "edge"));
    }
  }

  private void checkJoinTable(
      String name, TableMapping table, String[] at, Optional<GraphSchema> schema) {
    if (table.from() == null || table.to() == null) {
      problem("table " + name + ": a join table needs from and to ({column, node})", at);
      return;
    }
    if (!table.foreignKeys().isEmpty()) {
      problem(
          "table " + name + ": a join table's edges come from from and to, not foreignKeys",
          path(at, "foreignKeys"));
    }
    if (table.keyProperty() != null) {
      problem(
          "table "
              + name
              + ": keyProperty is for node tables; a join table's row key is"
              + " its edge id",
          path(at, "keyProperty"));
    }
    if (schema.isEmpty()) {
      return;
    }
    Optional<EdgeType> found = schema.get().edgeType(table.edge());
    if (found.isEmpty()) {
      problem("table " + name + ": the graph has no edge type " + table.edge(), path(at, "edge"));
      return;
    }
    EdgeType edge = found.get();
    checkEndpoint(name, table.from(), edge.from().value(), "from", at, schema.get());
    checkEndpoint(name, table.to(), edge.to().value(), "to", at, schema.get());
    if (table.columns() != null) {
      table
          .columns()
          .forEach(
              (column, property) -> {
                if (property != null && edge.property(property).isEmpty()) {
                  problem(
                      "table " + name + ": edge " + edge.name() + " has no property " + property,
                      path(at, "columns", column));
                }
              });
    }
  }

  private void checkEndpoint(
      String table,
      Endpoint endpoint,
      String expected,
      String side,
      String[] at,
      GraphSchema schema) {
    if (schema.nodeType(endpoint.node()).isEmpty()) {
      problem(
          "table "
              + table
              + ": "
              + side
              + " names node type "
              + endpoint.node()
              + ", which the graph does not have",
          path(at, side, "node"));
    } else if (!endpoint.node().equals(expected)) {
      problem(
          "table "
              + table
              + ": the edge's "
              + side
              + " type is "
              + expected
              + ", not "
              + endpoint.node(),
          path(at, side, "node"));
    }
  }

  /**
   * The node's key property: {@code keyProperty} when given, otherwise the property of the one key
   * column (its mapped name); null for a composite key without {@code keyProperty}.
   */
  static String keyProperty(TableMapping table) {
    if (table.keyProperty() != null) {
      return table.keyProperty();
    }
    if (table.key().size() != 1) {
      return null;
    }
    String column = table.key().get(0);
    if (table.columns() != null && table.columns().containsKey(column)) {
      return table.columns().get(column);
    }
    return column;
  }

  /** Whether {@code value} is a valid graph id. */
  public static boolean isGraphId(String value) {
    try {
      GraphId.of(value);
      return true;
    } catch (InvalidNameException e) {
      return false;
    }
  }

  static boolean isName(String value) {
    try {
      TypeName.of(value);
      return true;
    } catch (InvalidNameException e) {
      return false;
    }
  }

  private static String[] path(String[] base, String... more) {
    String[] out = new String[base.length + more.length];
    System.arraycopy(base, 0, out, 0, base.length);
    System.arraycopy(more, 0, out, base.length, more.length);
    return out;
  }
}
