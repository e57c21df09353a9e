package io.ingraft.storage.table;

/**
 * A commit that did not happen because the table moved: HEAD was not the staged read version when
 * the commit started ({@code expected} = read version, {@code actual} = HEAD), or Lance refused the
 * commit as conflicting with a concurrent one ({@code actual} = the latest version re-read after
 * the failure, or -1 when it could not be read). Nothing of ours is in the table.
 *
 * <p>Recovery: find out who moved it (a newer owner means this writer is fenced; otherwise the
 * owner's sweep repairs the drift), then stage the write again on the new state.
 */
public final class TableMovedException extends ConcurrentTableWriteException {
  public TableMovedException(String table, long expected, long actual) {
    this(table, expected, actual, null);
  }

  /** A commit that Lance refused as conflicting with a concurrent one. */
  public TableMovedException(String table, long expected, long actual, Throwable cause) {
    super(
        "table "
            + table
            + " moved: expected version "
            + expected
            + ", found "
            + actual
            + " (nothing was committed)",
        table,
        expected,
        actual,
        cause);
  }
}
