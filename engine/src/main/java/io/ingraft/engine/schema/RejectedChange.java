package io.ingraft.engine.schema;

import io.ingraft.storage.TableKey;
import java.util.Objects;
import java.util.Optional;

/**
 * One change between two schema versions that {@link SchemaEvolution} refuses, because stored rows
 * or the tables' column layout would no longer match the schema. {@code property} is empty for a
 * change to a whole type; {@code detail} says what changed, for people.
 */
public record RejectedChange(Kind kind, TableKey table, Optional<String> property, String detail) {
  /** The kinds of refused change. */
  public enum Kind {
    /** A node or edge type is gone. */
    DROPPED_TYPE,
    /** A name that was a node type is now an edge type, or the reverse. */
    CHANGED_TYPE_KIND,
    /** A property is gone. */
    DROPPED_PROPERTY,
    /** A property has a different type (other than an enum gaining values). */
    RETYPED_PROPERTY,
    /** A node type's key is a different property or has a different type. */
    CHANGED_KEY,
    /** A new property is not nullable, so existing rows would have no valid value. */
    ADDED_REQUIRED_PROPERTY,
    /** A property became nullable or stopped being nullable. */
    CHANGED_NULLABILITY,
    /** {@code @unique} or {@code @index} was added or removed. */
    CHANGED_CONSTRAINT,
    /** An enum lost values that stored rows may hold. */
    REMOVED_ENUM_VALUES,
    /** Existing columns changed order, or a new property is not after the existing ones. */
    CHANGED_PROPERTY_ORDER,
    /** An edge type connects different node types. */
    CHANGED_ENDPOINTS,
    /** An edge type's {@code @card} changed. */
    CHANGED_CARDINALITY
  }

  public RejectedChange {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(property, "property");
    Objects.requireNonNull(detail, "detail");
  }

  static RejectedChange ofType(Kind kind, TableKey table, String detail) {
    return new RejectedChange(kind, table, Optional.empty(), detail);
  }

  static RejectedChange ofProperty(Kind kind, TableKey table, String property, String detail) {
    return new RejectedChange(kind, table, Optional.of(property), detail);
  }

  /** {@code nodes/Person.age: retyped from I32 to I64}. */
  public String describe() {
    return table + property.map(p -> "." + p).orElse("") + ": " + detail;
  }
}
