package io.ingraft.engine.schema;

import io.ingraft.storage.TableKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The physical side of a {@link GraphSchema}: one table per node and edge type, each with its Arrow
 * schema. A node table is the key column, then the other properties in declaration order; an edge
 * table is {@code id} (Utf8), {@code from} and {@code to} (typed as the endpoint node types' keys),
 * then its properties. No schema-level metadata is attached, so a table's Arrow schema changes only
 * when its own columns do.
 */
public record SchemaCatalog(GraphSchema schema) {
  /** Edge table column holding the edge id. */
  public static final String EDGE_ID = "id";

  /** Edge table column holding the source node's key. */
  public static final String EDGE_FROM = "from";

  /** Edge table column holding the target node's key. */
  public static final String EDGE_TO = "to";

  /** Name of the child field of List and FixedSizeList columns, as Arrow and Lance write it. */
  public static final String LIST_ITEM = "item";

  public SchemaCatalog {
    Objects.requireNonNull(schema, "schema");
  }

  /** Every table of the schema with its Arrow schema: node tables, then edge tables. */
  public Map<TableKey, Schema> tables() {
    Map<TableKey, Schema> tables = new LinkedHashMap<>();
    for (NodeType node : schema.nodeTypes()) {
      tables.put(node.tableKey(), nodeSchema(node));
    }
    for (EdgeType edge : schema.edgeTypes()) {
      tables.put(edge.tableKey(), edgeSchema(edge));
    }
    return Collections.unmodifiableMap(tables);
  }

  /** The Arrow schema of a table of this graph schema, if it has that table. */
  public Optional<Schema> arrowSchema(TableKey table) {
    for (NodeType node : schema.nodeTypes()) {
      if (node.tableKey().equals(table)) {
        return Optional.of(nodeSchema(node));
      }
    }
    for (EdgeType edge : schema.edgeTypes()) {
      if (edge.tableKey().equals(table)) {
        return Optional.of(edgeSchema(edge));
      }
    }
    return Optional.empty();
  }

  /** Key column first, then the other properties in declaration order. */
  public Schema nodeSchema(NodeType node) {
    List<Field> fields = new ArrayList<>();
    fields.add(field(node.key()));
    for (Property property : node.properties()) {
      if (!property.equals(node.key())) {
        fields.add(field(property));
      }
    }
    return new Schema(fields);
  }

  /**
   * {@code id}, {@code from}, {@code to}, then the properties. The endpoint columns take the
   * endpoint keys' types so that joins with node tables compare like with like.
   *
   * @throws IllegalArgumentException if the edge type is not from this catalog's schema
   */
  public Schema edgeSchema(EdgeType edge) {
    List<Field> fields = new ArrayList<>();
    fields.add(field(EDGE_ID, PropertyType.STRING, false));
    fields.add(field(EDGE_FROM, schema.fromType(edge).key().type(), false));
    fields.add(field(EDGE_TO, schema.toType(edge).key().type(), false));
    for (Property property : edge.properties()) {
      fields.add(field(property));
    }
    return new Schema(fields);
  }

  /** The Arrow field of a property. */
  public static Field field(Property property) {
    return field(property.name(), property.type(), property.nullable());
  }

  /** The Arrow field for a column of {@code type}; list and vector children are non-null. */
  public static Field field(String name, PropertyType type, boolean nullable) {
    if (type instanceof PropertyType.Vector vector) {
      Field item =
          new Field(
              LIST_ITEM,
              FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)),
              null);
      return new Field(
          name,
          new FieldType(nullable, new ArrowType.FixedSizeList(vector.dimension()), null),
          List.of(item));
    }
    if (type instanceof PropertyType.ListOf list) {
      return new Field(
          name,
          new FieldType(nullable, ArrowType.List.INSTANCE, null),
          List.of(field(LIST_ITEM, list.element(), false)));
    }
    return new Field(name, new FieldType(nullable, arrowType(type), null), null);
  }

  /**
   * The Arrow type of a scalar or enum column (the container type for Vector and List, whose
   * children {@link #field(String, PropertyType, boolean)} adds).
   */
  public static ArrowType arrowType(PropertyType type) {
    if (type instanceof PropertyType.EnumOf) {
      return ArrowType.Utf8.INSTANCE;
    }
    if (type instanceof PropertyType.Vector vector) {
      return new ArrowType.FixedSizeList(vector.dimension());
    }
    if (type instanceof PropertyType.ListOf) {
      return ArrowType.List.INSTANCE;
    }
    switch (((PropertyType.Scalar) type).kind()) {
      case STRING:
        return ArrowType.Utf8.INSTANCE;
      case BOOL:
        return ArrowType.Bool.INSTANCE;
      case I32:
        return new ArrowType.Int(32, true);
      case I64:
        return new ArrowType.Int(64, true);
      case F32:
        return new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
      case F64:
        return new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
      case DATE:
        return new ArrowType.Date(DateUnit.DAY);
      case DATE_TIME:
        return new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC");
      case BLOB:
        return ArrowType.Binary.INSTANCE;
      default:
        throw new IllegalStateException("unhandled scalar kind " + type);
    }
  }
}
