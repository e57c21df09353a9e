package io.ingraft.app.cdc;

import java.util.Map;

/**
 * One decoded Debezium change event: the operation, the source table ({@code schema.table}), the
 * row images before and after with every value already converted from Debezium's encoding ({@link
 * DebeziumValues}), the source block's position, and the transaction block when Debezium's
 * transaction metadata is on (null for snapshot records and without metadata).
 */
public record ChangeEvent(
    Operation op,
    String table,
    Map<String, Object> before,
    Map<String, Object> after,
    Source source,
    Transaction transaction) {

  /** Debezium's {@code op}. */
  public enum Operation {
    CREATE,
    READ,
    UPDATE,
    DELETE,
    TRUNCATE;

    static Operation of(String code) {
      return switch (code) {
        case "c" -> CREATE;
        case "r" -> READ;
        case "u" -> UPDATE;
        case "d" -> DELETE;
        case "t" -> TRUNCATE;
        default -> null;
      };
    }
  }

  /**
   * The source block: the connector's logical name, the source transaction id, the log position
   * (PostgreSQL LSN), the commit time (epoch ms) and Debezium's snapshot marker ({@code false},
   * {@code true}, {@code first}, {@code last}, ..., or null).
   */
  public record Source(String name, String txId, long lsn, long tsMs, String snapshot) {
    /** Whether this record belongs to the initial snapshot. */
    public boolean inSnapshot() {
      return snapshot != null && !snapshot.equals("false") && !snapshot.equals("incremental");
    }

    /** Whether this is the snapshot's very last record. */
    public boolean lastOfSnapshot() {
      return "last".equals(snapshot);
    }
  }

  /**
   * The transaction block: the transaction id (the part of Debezium's {@code id} before the colon)
   * and the event's place in its transaction ({@code total_order}, from 1).
   */
  public record Transaction(String txId, long totalOrder) {}
}
