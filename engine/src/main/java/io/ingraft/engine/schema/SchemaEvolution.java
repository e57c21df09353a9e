package io.ingraft.engine.schema;

import io.ingraft.engine.schema.RejectedChange.Kind;
import io.ingraft.engine.schema.SchemaChange.AddedEdgeType;
import io.ingraft.engine.schema.SchemaChange.AddedNodeType;
import io.ingraft.engine.schema.SchemaChange.AddedProperty;
import io.ingraft.engine.schema.SchemaChange.ExtendedEnum;
import io.ingraft.storage.TableKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides whether one schema version may replace another over the same stored tables. Only additive
 * changes pass: new types, new nullable properties after the existing ones, and new enum values.
 * Everything else (a drop, a retype, a new key, a stricter or looser constraint, different
 * endpoints or cardinality) is refused, because existing rows or the tables' column layout would
 * disagree with the new schema and nothing here rewrites data. The comparison is structural: two
 * sources that differ only in comments, layout or type order are identical.
 */
public final class SchemaEvolution {
  private SchemaEvolution() {}

  /**
   * The accepted changes from {@code from} to {@code to}, in the new schema's declaration order;
   * empty when the two are structurally identical.
   *
   * @throws IncompatibleSchemaChangeException listing every refused change
   */
  public static List<SchemaChange> check(GraphSchema from, GraphSchema to) {
    List<SchemaChange> accepted = new ArrayList<>();
    List<RejectedChange> rejected = new ArrayList<>();
    for (NodeType old : from.nodeTypes()) {
      String name = old.name().value();
      if (to.nodeType(name).isEmpty()) {
        rejected.add(
            to.edgeType(name).isPresent()
                ? RejectedChange.ofType(
                    Kind.CHANGED_TYPE_KIND, old.tableKey(), "node type became an edge type")
                : RejectedChange.ofType(Kind.DROPPED_TYPE, old.tableKey(), "node type dropped"));
      }
    }
    for (EdgeType old : from.edgeTypes()) {
      String name = old.name().value();
      if (to.edgeType(name).isEmpty()) {
        rejected.add(
            to.nodeType(name).isPresent()
                ? RejectedChange.ofType(
                    Kind.CHANGED_TYPE_KIND, old.tableKey(), "edge type became a node type")
                : RejectedChange.ofType(Kind.DROPPED_TYPE, old.tableKey(), "edge type dropped"));
      }
    }
    for (NodeType now : to.nodeTypes()) {
      Optional<NodeType> was = from.nodeType(now.name().value());
      if (was.isPresent()) {
        compareNode(was.get(), now, accepted, rejected);
      } else if (from.edgeType(now.name().value()).isEmpty()) {
        accepted.add(new AddedNodeType(now.name()));
      }
    }
    for (EdgeType now : to.edgeTypes()) {
      Optional<EdgeType> was = from.edgeType(now.name().value());
      if (was.isPresent()) {
        compareEdge(was.get(), now, accepted, rejected);
      } else if (from.nodeType(now.name().value()).isEmpty()) {
        accepted.add(new AddedEdgeType(now.name()));
      }
    }
    if (!rejected.isEmpty()) {
      throw new IncompatibleSchemaChangeException(rejected);
    }
    return List.copyOf(accepted);
  }

  private static void compareNode(
      NodeType was, NodeType now, List<SchemaChange> accepted, List<RejectedChange> rejected) {
    Property oldKey = was.key();
    Property newKey = now.key();
    Set<String> skip = Set.of();
    if (!oldKey.name().equals(newKey.name()) || !oldKey.type().equals(newKey.type())) {
      rejected.add(
          RejectedChange.ofProperty(
              Kind.CHANGED_KEY,
              now.tableKey(),
              newKey.name(),
              "key changed from "
                  + oldKey.name()
                  + ": "
                  + oldKey.type()
                  + " to "
                  + newKey.name()
                  + ": "
                  + newKey.type()));
      // One reason for a new key; the old and new key properties are not compared again.
      skip = new HashSet<>(List.of(oldKey.name(), newKey.name()));
    }
    compareProperties(now.tableKey(), columns(was), columns(now), skip, accepted, rejected);
  }

  private static void compareEdge(
      EdgeType was, EdgeType now, List<SchemaChange> accepted, List<RejectedChange> rejected) {
    if (!was.from().equals(now.from()) || !was.to().equals(now.to())) {
      rejected.add(
          RejectedChange.ofType(
              Kind.CHANGED_ENDPOINTS,
              now.tableKey(),
              "endpoints changed from "
                  + was.from()
                  + " -> "
                  + was.to()
                  + " to "
                  + now.from()
                  + " -> "
                  + now.to()));
    }
    if (!was.cardinality().equals(now.cardinality())) {
      rejected.add(
          RejectedChange.ofType(
              Kind.CHANGED_CARDINALITY,
              now.tableKey(),
              "@card changed from " + was.cardinality() + " to " + now.cardinality()));
    }
    compareProperties(
        now.tableKey(), was.properties(), now.properties(), Set.of(), accepted, rejected);
  }

  /** A node's properties in column order: the key first, as {@link SchemaCatalog} lays them out. */
  private static List<Property> columns(NodeType node) {
    List<Property> columns = new ArrayList<>();
    columns.add(node.key());
    node.properties().stream().filter(p -> !p.equals(node.key())).forEach(columns::add);
    return columns;
  }

  private static void compareProperties(
      TableKey table,
      List<Property> was,
      List<Property> now,
      Set<String> skip,
      List<SchemaChange> accepted,
      List<RejectedChange> rejected) {
    for (Property old : was) {
      if (!skip.contains(old.name()) && find(now, old.name()).isEmpty()) {
        rejected.add(
            RejectedChange.ofProperty(
                Kind.DROPPED_PROPERTY,
                table,
                old.name(),
                "property dropped (was " + old.declaration() + ")"));
      }
    }
    for (Property property : now) {
      if (skip.contains(property.name())) {
        continue;
      }
      Optional<Property> old = find(was, property.name());
      if (old.isEmpty()) {
        if (property.nullable()) {
          accepted.add(new AddedProperty(table, property));
        } else {
          rejected.add(
              RejectedChange.ofProperty(
                  Kind.ADDED_REQUIRED_PROPERTY,
                  table,
                  property.name(),
                  "new property "
                      + property.declaration()
                      + " must be nullable: existing rows have no value for it"));
        }
      } else {
        compareProperty(table, old.get(), property, accepted, rejected);
      }
    }
    checkOrder(table, was, now, skip, rejected);
  }

  private static void compareProperty(
      TableKey table,
      Property was,
      Property now,
      List<SchemaChange> accepted,
      List<RejectedChange> rejected) {
    String name = now.name();
    if (!was.type().equals(now.type())) {
      List<String> oldValues = enumValues(was.type());
      List<String> newValues = enumValues(now.type());
      // An enum may only grow into an enum, and a list of enums into a list of enums.
      boolean sameShape = was.type().getClass() == now.type().getClass();
      if (sameShape && oldValues != null && newValues != null) {
        List<String> removed = minus(oldValues, newValues);
        List<String> added = minus(newValues, oldValues);
        if (!removed.isEmpty()) {
          rejected.add(
              RejectedChange.ofProperty(
                  Kind.REMOVED_ENUM_VALUES,
                  table,
                  name,
                  "enum values removed: " + String.join(", ", removed)));
        } else if (!added.isEmpty()) {
          accepted.add(new ExtendedEnum(table, name, added));
        }
        // Same values in another order: stored as plain strings, so nothing changes.
      } else {
        rejected.add(
            RejectedChange.ofProperty(
                Kind.RETYPED_PROPERTY,
                table,
                name,
                "retyped from " + was.type() + " to " + now.type()));
      }
    }
    if (was.nullable() != now.nullable()) {
      rejected.add(
          RejectedChange.ofProperty(
              Kind.CHANGED_NULLABILITY,
              table,
              name,
              was.nullable() ? "was nullable, now required" : "was required, now nullable"));
    }
    if (was.unique() != now.unique()) {
      rejected.add(
          RejectedChange.ofProperty(
              Kind.CHANGED_CONSTRAINT,
              table,
              name,
              was.unique() ? "@unique removed" : "@unique added"));
    }
    if (was.index() != now.index()) {
      rejected.add(
          RejectedChange.ofProperty(
              Kind.CHANGED_CONSTRAINT,
              table,
              name,
              was.index() ? "@index removed" : "@index added"));
    }
  }

  /**
   * Existing columns keep their relative order and new ones come after them: a column added to a
   * stored table goes at its end, and the catalog's Arrow schema must match the table's layout.
   */
  private static void checkOrder(
      TableKey table,
      List<Property> was,
      List<Property> now,
      Set<String> skip,
      List<RejectedChange> rejected) {
    List<String> oldOrder = names(was, skip, now);
    List<String> newOrder = names(now, skip, was);
    if (!oldOrder.equals(newOrder)) {
      rejected.add(
          RejectedChange.ofType(
              Kind.CHANGED_PROPERTY_ORDER,
              table,
              "existing properties changed order from " + oldOrder + " to " + newOrder));
      return;
    }
    int lastExisting = -1;
    for (int i = 0; i < now.size(); i++) {
      if (find(was, now.get(i).name()).isPresent()) {
        lastExisting = i;
      }
    }
    for (int i = 0; i < lastExisting; i++) {
      Property property = now.get(i);
      if (!skip.contains(property.name()) && find(was, property.name()).isEmpty()) {
        rejected.add(
            RejectedChange.ofProperty(
                Kind.CHANGED_PROPERTY_ORDER,
                table,
                property.name(),
                "new property must come after the existing properties"
                    + " (new columns are appended to the table)"));
      }
    }
  }

  /** Names in {@code list} order that are not skipped and also appear in {@code other}. */
  private static List<String> names(List<Property> list, Set<String> skip, List<Property> other) {
    return list.stream()
        .map(Property::name)
        .filter(n -> !skip.contains(n) && find(other, n).isPresent())
        .collect(Collectors.toList());
  }

  private static Optional<Property> find(List<Property> properties, String name) {
    return properties.stream().filter(p -> p.name().equals(name)).findFirst();
  }

  /** The values of an enum or list-of-enum type, or null for any other type. */
  private static List<String> enumValues(PropertyType type) {
    if (type instanceof PropertyType.EnumOf enumOf) {
      return enumOf.values();
    }
    if (type instanceof PropertyType.ListOf list
        && list.element() instanceof PropertyType.EnumOf enumOf) {
      return enumOf.values();
    }
    return null;
  }

  private static List<String> minus(List<String> values, List<String> remove) {
    return values.stream().filter(v -> !remove.contains(v)).collect(Collectors.toList());
  }
}
