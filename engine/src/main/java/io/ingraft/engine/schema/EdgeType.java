package io.ingraft.engine.schema;

import io.ingraft.storage.TableKey;
import io.ingraft.storage.TypeName;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An edge type: its name, its source ({@code from}) and target ({@code to}) node types, its
 * properties in declaration order, and its {@link Cardinality}, counted per source node. Edge
 * tables reserve the columns {@code id}, {@code from} and {@code to}, so no property may use those
 * names in any letter case.
 */
public record EdgeType(
    TypeName name, TypeName from, TypeName to, List<Property> properties, Cardinality cardinality) {

  /** Column names every edge table has before its properties (compared ignoring case). */
  public static final Set<String> RESERVED_PROPERTY_NAMES = Set.of("id", "from", "to");

  /**
   * @throws IllegalArgumentException if a property name clashes or is reserved
   */
  public EdgeType {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    properties = List.copyOf(properties);
    Objects.requireNonNull(cardinality, "cardinality");
    NodeType.requireDistinctNames(name, properties);
    for (Property property : properties) {
      if (isReserved(property.name())) {
        throw new IllegalArgumentException(
            "edge " + name + ": property name " + property.name() + " is reserved");
      }
    }
  }

  static boolean isReserved(String propertyName) {
    return RESERVED_PROPERTY_NAMES.contains(propertyName.toLowerCase(Locale.ROOT));
  }

  /** This type's table: {@code edges/<name>}. */
  public TableKey tableKey() {
    return TableKey.edge(name);
  }

  /** The property with this exact name, if any. */
  public Optional<Property> property(String propertyName) {
    return properties.stream().filter(p -> p.name().equals(propertyName)).findFirst();
  }
}
