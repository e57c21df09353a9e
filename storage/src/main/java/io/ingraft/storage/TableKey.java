package io.ingraft.storage;

import java.util.regex.Pattern;

/**
 * The name of a table inside a graph, as the manifest lists it: {@code nodes/Person}, {@code
 * edges/WorksAt} or {@code _audit/recoveries}. It maps to the Lance dataset {@code
 * graphs/<id>/<key>.lance}.
 */
public record TableKey(String value) {
  private static final Pattern RULE =
      Pattern.compile("(nodes|edges|_audit)/[A-Za-z][A-Za-z0-9_]{0,127}");

  public TableKey {
    if (value == null || !RULE.matcher(value).matches()) {
      throw new InvalidNameException(
          "table key",
          String.valueOf(value),
          "must be nodes/<Type>, edges/<Type> or _audit/<name>");
    }
  }

  public static TableKey of(String value) {
    return new TableKey(value);
  }

  public static TableKey node(TypeName type) {
    return new TableKey("nodes/" + type.value());
  }

  public static TableKey edge(TypeName type) {
    return new TableKey("edges/" + type.value());
  }

  @Override
  public String toString() {
    return value;
  }
}
