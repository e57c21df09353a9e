package io.ingraft.storage;

/**
 * A validated graph id: {@code [a-z0-9][a-z0-9._-]{0,127}}. Graph ids become path segments and
 * object key prefixes, so anything else (slashes, "..", upper case, empty) is rejected here, before
 * any I/O.
 */
public record GraphId(String value) {
  public GraphId {
    if (!NameRules.isGraphId(value)) {
      throw new InvalidNameException(
          "graph id", String.valueOf(value), "must match " + NameRules.GRAPH_ID);
    }
  }

  public static GraphId of(String value) {
    return new GraphId(value);
  }

  @Override
  public String toString() {
    return value;
  }
}
