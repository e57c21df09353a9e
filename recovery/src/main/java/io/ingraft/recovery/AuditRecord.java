package io.ingraft.recovery;

import java.time.Instant;
import java.util.List;

/**
 * One row of a graph's recovery audit table ({@code graphs/<id>/_audit/recoveries.lance}): which
 * operation was recovered, how, what it did to each table, by whom and at which manifest version.
 *
 * @param kind the sidecar's kind, or {@code REPAIR} for uncovered drift
 */
public record AuditRecord(
    String operationId,
    String kind,
    RecoveryDecision decision,
    List<TableOutcome> tables,
    long epoch,
    String writerId,
    Instant recoveredAt,
    long manifestVersion) {

  public AuditRecord {
    tables = List.copyOf(tables);
  }
}
