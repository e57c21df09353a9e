package io.ingraft.storage.table;

import io.ingraft.storage.StorageException;

/**
 * Another writer moved the table: a commit did not land exactly on top of the version it was
 * staged against.
 *
 * <p>Two cases, told apart by {@link #committed()}:
 * <ul>
 *   <li>{@code committed() == false}: nothing was committed. Either HEAD was not the staged read
 *       version when the commit started ({@code expected} = read version, {@code actual} = HEAD),
 *       or Lance rejected the commit as conflicting with a concurrent one ({@code expected} = read
 *       version, {@code actual} = the latest version re-read after the failure, or -1 when it
 *       could not be read).
 *   <li>{@code committed() == true}: <b>the commit DID happen</b>, but a foreign commit raced in
 *       between the HEAD check and the commit, so Lance rebased ours onto it and it landed at
 *       {@code actual} instead of {@code expected} = read version + 1. The table now contains a
 *       foreign change and ours; recovery finds our version by its transaction uuid
 *       ({@link TableStore#findVersionByTransaction}) and decides what to do.
 * </ul>
 */
public final class ConcurrentTableWriteException extends StorageException {
  private final String table;
  private final long expected;
  private final long actual;
  private final boolean committed;

  /** A commit that did not happen: HEAD was {@code actual}, not {@code expected}. */
  public ConcurrentTableWriteException(String table, long expected, long actual) {
    this(table, expected, actual, false, null);
  }

  /** A commit that did not happen because Lance reported a conflict. */
  public ConcurrentTableWriteException(String table, long expected, long actual, Throwable cause) {
    this(table, expected, actual, false, cause);
  }

  private ConcurrentTableWriteException(String table, long expected, long actual,
      boolean committed, Throwable cause) {
    super(message(table, expected, actual, committed), cause);
    this.table = table;
    this.expected = expected;
    this.actual = actual;
    this.committed = committed;
  }

  /**
   * A commit that DID happen, but at {@code actual} rather than {@code expected}: a foreign
   * commit landed in between and Lance rebased ours onto it.
   */
  public static ConcurrentTableWriteException committedAt(String table, long expected,
      long actual) {
    return new ConcurrentTableWriteException(table, expected, actual, true, null);
  }

  private static String message(String table, long expected, long actual, boolean committed) {
    return committed
        ? "table " + table + ": commit landed at version " + actual + " instead of " + expected
            + " (a concurrent writer committed in between; our commit is in the table)"
        : "table " + table + " moved: expected version " + expected + ", found " + actual
            + " (nothing was committed)";
  }

  /** The table path, relative to the storage root. */
  public String table() {
    return table;
  }

  /** The version the caller expected: HEAD before the commit, or the new version after it. */
  public long expected() {
    return expected;
  }

  /** The version found instead (-1 when it could not be read). */
  public long actual() {
    return actual;
  }

  /** Whether our commit is nevertheless in the table (at version {@link #actual()}). */
  public boolean committed() {
    return committed;
  }
}
