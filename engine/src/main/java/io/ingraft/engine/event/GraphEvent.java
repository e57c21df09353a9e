package io.ingraft.engine.event;

import java.util.Objects;

/**
 * One atomic event for one graph: an id (unique within the graph), the source position it was
 * read from (null for events that did not come from a log), an optional producer timestamp, and
 * one body — a schema change, a mutation or a load. An event applies whole or not at all.
 */
public record GraphEvent(String graph, String eventId, SourcePosition source, Long timestamp,
    EventBody body) {

  public GraphEvent {
    Objects.requireNonNull(graph, "graph");
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(body, "body");
  }
}
