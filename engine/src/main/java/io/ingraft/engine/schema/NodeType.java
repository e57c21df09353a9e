package io.ingraft.engine.schema;

import io.ingraft.storage.TableKey;
import io.ingraft.storage.TypeName;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A node type: its name, its properties in declaration order, and its {@code @key} property, which
 * identifies a node and is what edges store in their {@code from} and {@code to} columns. The key
 * is one of {@code properties}, non-nullable, and String, I32 or I64.
 */
public record NodeType(TypeName name, List<Property> properties, Property key) {

  /**
   * @throws IllegalArgumentException if the properties or the key break the rules above
   */
  public NodeType {
    Objects.requireNonNull(name, "name");
    properties = List.copyOf(properties);
    Objects.requireNonNull(key, "key");
    requireDistinctNames(name, properties);
    if (!properties.contains(key)) {
      throw new IllegalArgumentException(
          "node " + name + ": key " + key.name() + " is not one of its properties");
    }
    if (key.nullable()) {
      throw new IllegalArgumentException("node " + name + ": key " + key.name() + " is nullable");
    }
    if (!(key.type() instanceof PropertyType.Scalar scalar) || !scalar.kind().canBeKey()) {
      throw new IllegalArgumentException(
          "node " + name + ": key type must be String, I32 or I64, not " + key.type());
    }
  }

  /** This type's table: {@code nodes/<name>}. */
  public TableKey tableKey() {
    return TableKey.node(name);
  }

  /** The property with this exact name, if any. */
  public Optional<Property> property(String propertyName) {
    return properties.stream().filter(p -> p.name().equals(propertyName)).findFirst();
  }

  /** The key's scalar kind, which is also the type of edge endpoint columns that refer to it. */
  public ScalarKind keyKind() {
    return ((PropertyType.Scalar) key.type()).kind();
  }

  /**
   * Property names must differ in more than case: Lance filters fold unquoted identifiers, so
   * {@code Age} and {@code age} would be one column to a query.
   */
  static void requireDistinctNames(TypeName owner, List<Property> properties) {
    Map<String, String> seen = new HashMap<>();
    for (Property property : properties) {
      String previous = seen.put(property.name().toLowerCase(Locale.ROOT), property.name());
      if (previous != null) {
        throw new IllegalArgumentException(
            owner + ": properties " + previous + " and " + property.name() + " clash");
      }
    }
  }
}
