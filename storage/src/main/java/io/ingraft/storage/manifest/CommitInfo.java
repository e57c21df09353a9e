package io.ingraft.storage.manifest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * The commit that produced a manifest version: its kind, the operation id (the same id the
 * recovery sidecar and the Lance transaction properties carry), how many events it applied, the
 * source offset range, who did it, whether the recovery sweep published it, and, for a graph fed
 * by change data capture, the source position the version reflects ({@code cdc}, null otherwise;
 * left out of the JSON when null, so manifests without CDC read and write as before).
 */
public record CommitInfo(
    CommitKind kind,
    String operationId,
    long eventCount,
    Long firstOffset,
    Long lastOffset,
    String actor,
    boolean recovery,
    @JsonInclude(JsonInclude.Include.NON_NULL) CdcPosition cdc) {

  public CommitInfo {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(operationId, "operationId");
    Objects.requireNonNull(actor, "actor");
    if (eventCount < 0) {
      throw new IllegalArgumentException("eventCount must be >= 0: " + eventCount);
    }
  }

  /**
   * Makes a commit-info JSON object written without {@code cdc} (every commit not from a CDC
   * feed, and every one written before CDC positions existed) readable by a strict mapper, which
   * otherwise refuses a missing creator property: the absent field is read as null.
   */
  public static void readAbsentCdcAsNull(JsonNode commit) {
    if (commit instanceof ObjectNode object && !object.has("cdc")) {
      object.putNull("cdc");
    }
  }

  /** A commit without a CDC position. */
  public CommitInfo(CommitKind kind, String operationId, long eventCount, Long firstOffset,
      Long lastOffset, String actor, boolean recovery) {
    this(kind, operationId, eventCount, firstOffset, lastOffset, actor, recovery, null);
  }

  public CommitInfo withOperationId(String id) {
    return new CommitInfo(kind, id, eventCount, firstOffset, lastOffset, actor, recovery, cdc);
  }

  /** The same commit, marked as published by the recovery sweep. */
  public CommitInfo asRecovery() {
    return new CommitInfo(kind, operationId, eventCount, firstOffset, lastOffset, actor, true,
        cdc);
  }

  /** A commit that applied no events (create, epoch claim, maintenance). */
  public static CommitInfo of(CommitKind kind, String operationId, String actor) {
    return new CommitInfo(kind, operationId, 0, null, null, actor, false);
  }
}
