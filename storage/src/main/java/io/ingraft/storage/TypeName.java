package io.ingraft.storage;

/**
 * A validated node, edge or property name: {@code [A-Za-z][A-Za-z0-9_]{0,127}}. Type names become
 * table file names and Arrow column names, so the rule keeps them portable and path-safe.
 */
public record TypeName(String value) {
  public TypeName {
    if (!NameRules.isName(value)) {
      throw new InvalidNameException(
          "type name", String.valueOf(value), "must match " + NameRules.NAME);
    }
  }

  public static TypeName of(String value) {
    return new TypeName(value);
  }

  @Override
  public String toString() {
    return value;
  }
}
