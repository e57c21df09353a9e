package io.ingraft.storage;

import java.util.regex.Pattern;

/**
 * A validated node, edge or property name: {@code [A-Za-z][A-Za-z0-9_]{0,127}}. Type names become
 * table file names and Arrow column names, so the rule keeps them portable and path-safe.
 */
public record TypeName(String value) {
  private static final Pattern RULE = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,127}");

  public TypeName {
    if (value == null || !RULE.matcher(value).matches()) {
      throw new InvalidNameException("type name", String.valueOf(value),
          "must match [A-Za-z][A-Za-z0-9_]{0,127}");
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
