package io.ingraft.recovery;

import java.util.List;

/**
 * What the sweep did for one sidecar or drift repair.
 *
 * @param manifestVersion the manifest version that reflects the outcome
 */
public record RecoveryOutcome(
    String operationId,
    String kind,
    RecoveryDecision decision,
    List<TableOutcome> tables,
    long manifestVersion) {

  public RecoveryOutcome {
    tables = List.copyOf(tables);
  }
}
