package io.ingraft.storage.manifest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * The commit that produced a manifest version: its kind, the operation id (the same id the recovery
 * sidecar and the Lance transaction properties carry), how many events it applied, the source
 * offset range, who did it, whether the recovery sweep published it, for a graph fed by change data
 * capture the source position the version reflects ({@code cdc}, null otherwise; left out of the
 * JSON when null, so manifests without CDC read and write as before), and the events it rejected
 * (each with its code, message and offset, for the dead letters). Manifests written before {@code
 * rejected} existed read as rejecting nothing.
 */
public record CommitInfo(
    CommitKind kind,
    String operationId,
    long eventCount,
    Long firstOffset,
    Long lastOffset,
    String actor,
    boolean recovery,
    @JsonInclude(JsonInclude.Include.NON_NULL) CdcPosition cdc,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<RejectedEvent> rejected) {

  public CommitInfo {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(operationId, "operationId");
    Objects.requireNonNull(actor, "actor");
    if (eventCount < 0) {
      throw new IllegalArgumentException("eventCount must be >= 0: " + eventCount);
    }
    rejected = rejected == null ? List.of() : List.copyOf(rejected);
  }

  /** A commit without a CDC position that rejected no event. */
  public CommitInfo(
      CommitKind kind,
      String operationId,
      long eventCount,
      Long firstOffset,
      Long lastOffset,
      String actor,
      boolean recovery) {
    this(kind, operationId, eventCount, firstOffset, lastOffset, actor, recovery, null, List.of());
  }

  /** A commit at the CDC position {@code cdc} (null: none) that rejected no event. */
  public CommitInfo(
      CommitKind kind,
      String operationId,
      long eventCount,
      Long firstOffset,
      Long lastOffset,
      String actor,
      boolean recovery,
      CdcPosition cdc) {
    this(kind, operationId, eventCount, firstOffset, lastOffset, actor, recovery, cdc, List.of());
  }

  /**
   * Makes a commit-info JSON object written without {@code cdc} or {@code rejected} (every commit
   * not from a CDC feed, every one that rejected nothing, and every one written before these fields
   * existed) readable by a strict mapper, which otherwise refuses a missing creator property: an
   * absent {@code cdc} is read as null, an absent {@code rejected} as none.
   */
  public static void readAbsentOptionalFields(JsonNode commit) {
    if (commit instanceof ObjectNode object) {
      if (!object.has("cdc")) {
        object.putNull("cdc");
      }
      if (!object.has("rejected")) {
        object.putArray("rejected");
      }
    }
  }

  public CommitInfo withOperationId(String id) {
    return new CommitInfo(
        kind, id, eventCount, firstOffset, lastOffset, actor, recovery, cdc, rejected);
  }

  /** The same commit, recording {@code events} as the events it rejected. */
  public CommitInfo withRejected(List<RejectedEvent> events) {
    return new CommitInfo(
        kind, operationId, eventCount, firstOffset, lastOffset, actor, recovery, cdc, events);
  }

  /** The same commit, marked as published by the recovery sweep. */
  public CommitInfo asRecovery() {
    return new CommitInfo(
        kind, operationId, eventCount, firstOffset, lastOffset, actor, true, cdc, rejected);
  }

  /** A commit that applied no events (create, epoch claim, maintenance). */
  public static CommitInfo of(CommitKind kind, String operationId, String actor) {
    return new CommitInfo(kind, operationId, 0, null, null, actor, false);
  }
}
