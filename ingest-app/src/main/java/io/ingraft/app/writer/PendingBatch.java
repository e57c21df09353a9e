package io.ingraft.app.writer;

import io.ingraft.events.GraphLogHead;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * The events of one graph between two seals, read from one graph-log partition, on their way
 * through the engine. {@code progress} is the bookkeeping of the partition as it was assigned when
 * the batch was read: once it is retired (revoked or lost) the batch is stale and its outcome no
 * longer moves any offset.
 */
record PendingBatch(
    String graph,
    TopicPartition partition,
    PartitionProgress progress,
    List<BufferedEvent> events,
    long sealOffset,
    long sequence) {

  PendingBatch {
    events = List.copyOf(events);
  }

  int size() {
    return events.size();
  }

  /** Whether every event is a mutation: no load or schema change, which stage 1 keeps alone. */
  boolean mutationsOnly() {
    for (BufferedEvent event : events) {
      if (event.body() != GraphLogHead.Body.MUTATION) {
        return false;
      }
    }
    return true;
  }

  /** Whether a load event is among the events (it reads a file, which may take long). */
  boolean hasLoad() {
    for (BufferedEvent event : events) {
      if (event.body() == GraphLogHead.Body.LOAD) {
        return true;
      }
    }
    return false;
  }

  long firstOffset() {
    return events.isEmpty() ? sealOffset : events.get(0).offset();
  }

  @Override
  public String toString() {
    return "batch "
        + sequence
        + " of graph "
        + graph
        + " ("
        + partition
        + " offsets "
        + firstOffset()
        + ".."
        + sealOffset
        + ", "
        + events.size()
        + " events)";
  }
}
