package io.ingraft.storage.table;

/**
 * A commit that DID happen, but at {@code actual} instead of {@code expected} (read version + 1): a
 * foreign commit raced in between the HEAD check and the commit, and Lance rebased ours onto it.
 * The table now holds a foreign change and ours.
 *
 * <p>Recovery: nothing may be written to the graph until the recovery sweep has decided the
 * operation. The sweep finds our version by its transaction uuid ({@link
 * TableReader#findVersionByTransaction}) and classifies the table as moved, so the operation is
 * rolled back and its events are applied again.
 */
public final class CommittedAtOtherVersionException extends ConcurrentTableWriteException {
  public CommittedAtOtherVersionException(String table, long expected, long actual) {
    super(
        "table "
            + table
            + ": commit landed at version "
            + actual
            + " instead of "
            + expected
            + " (a concurrent writer committed in between; our commit is in the table)",
        table,
        expected,
        actual,
        null);
  }
}
