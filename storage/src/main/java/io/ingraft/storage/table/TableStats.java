package io.ingraft.storage.table;

import org.lance.FragmentMetadata;

/**
 * The physical shape of one table version, for maintenance decisions: how many fragments it is
 * spread over, how many of them are small, and how many of its stored rows are deleted (still on
 * disk, skipped by every scan).
 *
 * @param rows live rows (Lance's fragment row counts, which leave deleted rows out)
 * @param deletedRows rows marked deleted in deletion files
 * @param smallFragments fragments of fewer live rows than the threshold the stats were read with
 */
public record TableStats(int fragments, long rows, long deletedRows, int smallFragments) {

  /**
   * The stats of the version that commits {@code append} on top of this one: its fragments and rows
   * added, nothing deleted, so the table need not be opened again.
   *
   * @throws IllegalArgumentException if {@code append} is not an append
   */
  public TableStats plus(StagedWrite append, long smallFragmentRows) {
    if (append.kind() != StagedWrite.Kind.APPEND) {
      throw new IllegalArgumentException(
          "only an append's effect is known without reading the"
              + " table, not a "
              + append.kind());
    }
    int small = 0;
    for (FragmentMetadata fragment : append.newFragments()) {
      if (fragment.getNumRows() < smallFragmentRows) {
        small++;
      }
    }
    return new TableStats(
        fragments + append.newFragments().size(),
        rows + append.rowsAdded(),
        deletedRows,
        smallFragments + small);
  }

  /** Deleted rows as a share of all stored rows (0 for an empty table). */
  public double deletedShare() {
    long stored = rows + deletedRows;
    return stored == 0 ? 0 : (double) deletedRows / stored;
  }
}
