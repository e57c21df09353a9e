package io.ingraft.storage.table;

/**
 * The physical shape of one table version, for maintenance decisions: how many fragments it is
 * spread over, and how many of its stored rows are deleted (still on disk, skipped by every scan).
 *
 * @param rows live rows
 * @param deletedRows rows marked deleted in deletion files
 */
public record TableStats(int fragments, long rows, long deletedRows) {

  /** Deleted rows as a share of all stored rows (0 for an empty table). */
  public double deletedShare() {
    long stored = rows + deletedRows;
    return stored == 0 ? 0 : (double) deletedRows / stored;
  }
}
