package io.ingraft.engine;

import java.util.List;

/**
 * The outcome of {@code GraphEngine.apply}: the manifest version that made the batch visible
 * ({@code -1} when nothing was published because every event was already applied), and one {@link
 * EventResult} per event, in batch order.
 */
public record BatchResult(String graph, long manifestVersion, List<EventResult> events) {
  public BatchResult {
    events = List.copyOf(events);
  }

  public boolean published() {
    return manifestVersion >= 0;
  }

  public long count(EventResult.Status status) {
    return events.stream().filter(e -> e.status() == status).count();
  }
}
