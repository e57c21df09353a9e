package io.ingraft.engine.schema;

import io.ingraft.engine.schema.InvalidValueException.Problem;
import io.ingraft.storage.TypeName;
import java.util.Objects;

/**
 * One property of a node or edge type: its name (a {@link TypeName}-valid column name), its type,
 * whether it may be null ({@code ?}), and its {@code @unique} and {@code @index} constraints. A
 * node's key is an ordinary property that the {@link NodeType} points at.
 */
public record Property(
    String name, PropertyType type, boolean nullable, boolean unique, boolean index) {

  /**
   * @throws io.ingraft.storage.InvalidNameException if the name breaks the {@link TypeName} rule
   * @throws IllegalArgumentException if a constraint does not apply to the type
   */
  public Property {
    TypeName.of(name);
    Objects.requireNonNull(type, "type");
    if (unique && !type.supportsUnique()) {
      throw new IllegalArgumentException("@unique is not supported on " + type);
    }
    if (index && !type.supportsIndex()) {
      throw new IllegalArgumentException("@index is not supported on " + type);
    }
  }

  /** A property without constraints. */
  public static Property of(String name, PropertyType type, boolean nullable) {
    return new Property(name, type, nullable, false, false);
  }

  /**
   * Checks and converts a JSON-shaped value for this property (see {@link
   * PropertyType#coerce(Object)}); null is accepted only when the property is nullable.
   *
   * @throws InvalidValueException naming this property when the value does not fit
   */
  public Object coerce(Object value) {
    if (value == null) {
      if (nullable) {
        return null;
      }
      throw new InvalidValueException(
          name, type, "null", Problem.NULL_NOT_ALLOWED, "the property is not nullable");
    }
    return ValueCoercion.coerce(type, name, value);
  }

  /** The property as declared in the language, e.g. {@code email: String? @unique}. */
  public String declaration() {
    return name
        + ": "
        + type
        + (nullable ? "?" : "")
        + (unique ? " @unique" : "")
        + (index ? " @index" : "");
  }
}
