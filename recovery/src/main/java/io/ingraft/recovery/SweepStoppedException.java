package io.ingraft.recovery;

/**
 * The sweep found a state that breaks an invariant (a table HEAD below its published pin) and
 * stopped for this graph, keeping the sidecar for an operator. Nothing was changed.
 */
public final class SweepStoppedException extends RecoveryException {
  private final String graph;
  private final String operationId;
  private final String table;
  private final long head;
  private final long pinned;

  public SweepStoppedException(
      String graph, String operationId, String table, long head, long pinned) {
    super(
        "graph "
            + graph
            + (operationId == null ? "" : " operation " + operationId)
            + ": table "
            + table
            + " HEAD "
            + head
            + " is below its published pin "
            + pinned
            + "; recovery stopped, the sidecar is kept for an operator");
    this.graph = graph;
    this.operationId = operationId;
    this.table = table;
    this.head = head;
    this.pinned = pinned;
  }

  public String graph() {
    return graph;
  }

  /** The sidecar's operation id, or null when found while checking for uncovered drift. */
  public String operationId() {
    return operationId;
  }

  public String table() {
    return table;
  }

  public long head() {
    return head;
  }

  public long pinned() {
    return pinned;
  }
}
