package io.ingraft.app.cdc;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A CDC mapping as the user wrote it (docs/cdc.md): which change topics stage 1 reads, the Debezium
 * transaction topic when transaction metadata is used, which graph the rows go to (a fixed id or a
 * column's value), the graph's schema when the mapping declares it, what to do with source columns
 * the mapping does not know, and how each source table becomes a node type or, for a join table, an
 * edge type. {@link MappingReader} builds it strictly and {@link MappingCheck} checks it; nothing
 * here validates.
 */
public record CdcMapping(
    String source,
    String graph,
    String graphColumn,
    List<String> topics,
    String topicPattern,
    String transactionTopic,
    String schema,
    NewColumns newColumns,
    Snapshot snapshot,
    Map<String, TableMapping> tables) {

  @JsonCreator
  public CdcMapping(
      @JsonProperty(value = "source", required = true) String source,
      @JsonProperty("graph") String graph,
      @JsonProperty("graphColumn") String graphColumn,
      @JsonProperty("topics") List<String> topics,
      @JsonProperty("topicPattern") String topicPattern,
      @JsonProperty("transactionTopic") String transactionTopic,
      @JsonProperty("schema") String schema,
      @JsonProperty("newColumns") NewColumns newColumns,
      @JsonProperty("snapshot") Snapshot snapshot,
      @JsonProperty(value = "tables", required = true) Map<String, TableMapping> tables) {
    this.source = source;
    this.graph = graph;
    this.graphColumn = graphColumn;
    this.topics = topics == null ? List.of() : List.copyOf(topics);
    this.topicPattern = topicPattern;
    this.transactionTopic = transactionTopic;
    this.schema = schema;
    this.newColumns = newColumns == null ? NewColumns.IGNORE : newColumns;
    this.snapshot = snapshot == null ? Snapshot.INITIAL : snapshot;
    this.tables = tables == null ? Map.of() : new LinkedHashMap<>(tables);
  }

  /** Whether Debezium's transaction metadata orders and groups the changes (docs/cdc.md). */
  public boolean transactional() {
    return transactionTopic != null;
  }

  /** The mapping of a source table ({@code schema.table}), or null when it is not mapped. */
  public TableMapping table(String name) {
    return tables.get(name);
  }

  /** What happens to a source column that the mapping neither includes nor excludes. */
  public enum NewColumns {
    /** The column is dropped (the default). */
    @JsonProperty("ignore")
    IGNORE,
    /**
     * The column becomes a new nullable property of the node or edge type, through an additive
     * schema change; only for tables that map all their columns (no {@code columns} list).
     */
    @JsonProperty("evolve")
    EVOLVE
  }

  /** Whether the connector takes an initial snapshot that stage 1 must load first. */
  public enum Snapshot {
    /**
     * The change topics start with the connector's snapshot ({@code op = r}): no source transaction
     * is sealed before the snapshot is complete (the default).
     */
    @JsonProperty("initial")
    INITIAL,
    /** The connector takes no snapshot ({@code snapshot.mode=never} or no_data). */
    @JsonProperty("never")
    NEVER
  }

  /**
   * One source table: a node type ({@code node}) or, for a join table, an edge type ({@code edge}
   * with {@code from} and {@code to}). {@code key} lists the primary-key columns; {@code
   * keyProperty} names the node's key property (required for a composite key, whose value is the
   * composite key string). {@code columns} maps included columns to property names (all columns
   * under their own names when absent), {@code exclude} drops columns, and {@code foreignKeys}
   * turns columns into edges.
   */
  public record TableMapping(
      String node,
      String edge,
      List<String> key,
      String keyProperty,
      Map<String, String> columns,
      List<String> exclude,
      Map<String, ForeignKey> foreignKeys,
      Endpoint from,
      Endpoint to) {

    @JsonCreator
    public TableMapping(
        @JsonProperty("node") String node,
        @JsonProperty("edge") String edge,
        @JsonProperty(value = "key", required = true) List<String> key,
        @JsonProperty("keyProperty") String keyProperty,
        @JsonProperty("columns") Map<String, String> columns,
        @JsonProperty("exclude") List<String> exclude,
        @JsonProperty("foreignKeys") Map<String, ForeignKey> foreignKeys,
        @JsonProperty("from") Endpoint from,
        @JsonProperty("to") Endpoint to) {
      this.node = node;
      this.edge = edge;
      this.key = key == null ? List.of() : List.copyOf(key);
      this.keyProperty = keyProperty;
      this.columns = columns == null ? null : new LinkedHashMap<>(columns);
      this.exclude = exclude == null ? List.of() : List.copyOf(exclude);
      this.foreignKeys = foreignKeys == null ? Map.of() : new LinkedHashMap<>(foreignKeys);
      this.from = from;
      this.to = to;
    }

    public boolean isEdge() {
      return edge != null;
    }

    /** The mapped type: the node type, or the edge type of a join table. */
    public String type() {
      return isEdge() ? edge : node;
    }

    /** Whether every column not excluded is mapped under its own name. */
    public boolean allColumns() {
      return columns == null;
    }
  }

  /**
   * A foreign-key column that becomes an edge: the edge type, the node type the column refers to
   * and the direction ({@code out}: from this row's node to the referenced node, the default;
   * {@code in}: the other way).
   */
  public record ForeignKey(String edge, String references, Direction direction) {
    @JsonCreator
    public ForeignKey(
        @JsonProperty(value = "edge", required = true) String edge,
        @JsonProperty(value = "references", required = true) String references,
        @JsonProperty("direction") Direction direction) {
      this.edge = edge;
      this.references = references;
      this.direction = direction == null ? Direction.OUT : direction;
    }
  }

  /** Which way a foreign-key edge points, seen from the row that holds the column. */
  public enum Direction {
    @JsonProperty("out")
    OUT,
    @JsonProperty("in")
    IN
  }

  /** One end of a join table's edge: the key column and the node type it refers to. */
  public record Endpoint(String column, String node) {
    @JsonCreator
    public Endpoint(
        @JsonProperty(value = "column", required = true) String column,
        @JsonProperty(value = "node", required = true) String node) {
      this.column = column;
      this.node = node;
    }
  }
}
