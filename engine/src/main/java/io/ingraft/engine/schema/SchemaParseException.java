package io.ingraft.engine.schema;

import io.ingraft.engine.EngineException;

/**
 * A {@code .pg} source that is not a valid schema: a syntax error, an unknown type, a broken
 * constraint, an unknown edge endpoint. The message is {@code line:column: reason}, both 1-based
 * (columns count Unicode code points), pointing at the token that is wrong.
 */
public final class SchemaParseException extends EngineException {
  private final int line;
  private final int column;
  private final String reason;

  public SchemaParseException(int line, int column, String reason) {
    super(line + ":" + column + ": " + reason);
    this.line = line;
    this.column = column;
    this.reason = reason;
  }

  public int line() {
    return line;
  }

  public int column() {
    return column;
  }

  /** The message without the position. */
  public String reason() {
    return reason;
  }
}
