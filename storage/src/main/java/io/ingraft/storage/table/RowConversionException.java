package io.ingraft.storage.table;

import io.ingraft.storage.StorageException;

/**
 * A value could not be converted between plain Java and Arrow: wrong Java type for the column, a
 * null in a non-nullable column, a vector of the wrong length, an unsupported Arrow type. Thrown by
 * {@link ArrowRows}; no partially built batch is ever returned.
 */
public final class RowConversionException extends StorageException {
  private final String field;
  private final int row;

  public RowConversionException(String field, int row, String problem) {
    super(
        row < 0
            ? "column " + field + ": " + problem
            : "row " + row + ", column " + field + ": " + problem);
    this.field = field;
    this.row = row;
  }

  /** The column name. */
  public String field() {
    return field;
  }

  /** The 0-based row index, or -1 when the problem is with the column itself. */
  public int row() {
    return row;
  }
}
