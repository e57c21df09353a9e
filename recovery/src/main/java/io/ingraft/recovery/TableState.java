package io.ingraft.recovery;

/**
 * How one table of a sidecar stands, read from the table itself and the latest manifest.
 *
 * @param head the table's Lance HEAD (0 if the table does not exist)
 * @param pinned the latest manifest's pin (0 if the manifest does not list the table)
 * @param committedAt the version the sidecar's transaction uuid committed, or -1 if none did
 */
record TableState(SidecarTable table, long head, long pinned, long committedAt) {

  /** Classification of docs/protocol.md, "The decision rule". */
  enum Status {
    /** Our commit is the table's HEAD, right on the pin we planned against. */
    COMMITTED,
    /** Our commit never happened and nothing else moved the table. */
    NOT_COMMITTED,
    /** The table moved in a way our commit alone does not explain (a foreign or zombie commit). */
    MOVED,
    /** HEAD below the published pin: the manifest promises a version the table no longer has. */
    BROKEN
  }

  Status status() {
    if (head < pinned) {
      return Status.BROKEN;
    }
    if (committedAt >= 0) {
      // pinned == 0: a table the operation created, staged over whatever orphan was there.
      return committedAt == head && (pinned == table.expectedVersion() || pinned == 0)
          ? Status.COMMITTED
          : Status.MOVED;
    }
    return head == pinned ? Status.NOT_COMMITTED : Status.MOVED;
  }
}
