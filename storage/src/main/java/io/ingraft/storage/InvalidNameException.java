package io.ingraft.storage;

/**
 * A graph id, type name or table key that is not allowed. Thrown before any I/O, so nothing on disk
 * has changed when a caller sees it.
 */
public final class InvalidNameException extends StorageException {
  private final String kind;
  private final String value;

  public InvalidNameException(String kind, String value, String rule) {
    super("invalid " + kind + " '" + value + "': " + rule);
    this.kind = kind;
    this.value = value;
  }

  /** What the name was meant to be: "graph id", "type name", "table key". */
  public String kind() {
    return kind;
  }

  public String value() {
    return value;
  }
}
