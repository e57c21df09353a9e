package io.ingraft.engine;

import io.ingraft.engine.event.SourcePosition;

/**
 * What became of one event of a batch: applied, rejected (with a code and a message), or skipped
 * because its source offset was already applied to the graph.
 */
public record EventResult(
    String eventId, SourcePosition source, Status status, RejectionCode code, String message) {

  /** The fate of an event. */
  public enum Status {
    APPLIED,
    REJECTED,
    SKIPPED
  }

  public static EventResult applied(String eventId, SourcePosition source) {
    return new EventResult(eventId, source, Status.APPLIED, null, null);
  }

  public static EventResult skipped(String eventId, SourcePosition source) {
    return new EventResult(eventId, source, Status.SKIPPED, null, "already applied");
  }

  public static EventResult rejected(
      String eventId, SourcePosition source, RejectionCode code, String message) {
    return new EventResult(eventId, source, Status.REJECTED, code, message);
  }
}
