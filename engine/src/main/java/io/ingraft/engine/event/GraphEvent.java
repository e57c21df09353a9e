package io.ingraft.engine.event;

import io.ingraft.storage.manifest.CdcPosition;
import java.util.Objects;

/**
 * One atomic event for one graph: an id (unique within the graph), the source position it was read
 * from (null for events that did not come from a log), an optional producer timestamp, and one body
 * — a schema change, a mutation or a load. An event applies whole or not at all. An event that came
 * from a change-data-capture feed also carries the CDC position of its source transaction ({@code
 * cdc}, null otherwise): the version that applies it records the last one.
 */
public record GraphEvent(
    String graph,
    String eventId,
    SourcePosition source,
    Long timestamp,
    EventBody body,
    CdcPosition cdc) {

  public GraphEvent {
    Objects.requireNonNull(graph, "graph");
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(body, "body");
  }

  /** An event that did not come from a CDC feed. */
  public GraphEvent(
      String graph, String eventId, SourcePosition source, Long timestamp, EventBody body) {
    this(graph, eventId, source, timestamp, body, null);
  }
}
