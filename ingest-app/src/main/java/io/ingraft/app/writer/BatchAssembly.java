package io.ingraft.app.writer;

import io.ingraft.engine.event.GraphEvent;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.events.avro.Seal;
import io.ingraft.storage.GraphId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns graph-log records into batches: per partition and graph, decoded events are buffered until
 * the graph's seal, which closes them (and itself) into a {@link PendingBatch} for the {@link
 * LaneScheduler}. A record that does not decode or map is a dead letter ({@link
 * GraphWriter#BAD_LOG_RECORD}); a record of a graph this writer may not write now (fenced, or
 * stopped for an operator) is left pending, so the partition's commit stays below it. Only the poll
 * thread uses it.
 */
final class BatchAssembly {
  private static final Logger LOG = LoggerFactory.getLogger(BatchAssembly.class);

  /** A graph's open (not yet sealed) events on one partition. */
  private record StreamKey(TopicPartition partition, String graph) {}

  private final GraphLogCodec codec = new GraphLogCodec();
  private final EventMapper mapper;
  private final OffsetCommits commits;
  private final LaneScheduler lanes;
  private final WriterCounters counters;
  private final Map<StreamKey, List<BufferedEvent>> buffers = new HashMap<>();
  private int bufferedEvents;

  BatchAssembly(
      String graphLogTopic, OffsetCommits commits, LaneScheduler lanes, WriterCounters counters) {
    this.mapper = new EventMapper(graphLogTopic);
    this.commits = commits;
    this.lanes = lanes;
    this.counters = counters;
  }

  /** Events buffered until their seal. */
  int bufferedEvents() {
    return bufferedEvents;
  }

  /** Reads one graph-log record: buffers an event, hands a sealed batch to the lanes. */
  void accept(TopicPartition partition, ConsumerRecord<byte[], byte[]> record) {
    PartitionProgress p = commits.track(partition);
    if (!p.seen(record.offset())) {
      LOG.debug("{}@{} read again; already tracked", partition, record.offset());
      return;
    }
    counters.recordsRead.incrementAndGet();
    GraphLogRecord decoded;
    try {
      if (record.value() == null) {
        throw new IllegalArgumentException("record has no value");
      }
      decoded = codec.decode(record.value());
    } catch (RuntimeException e) {
      commits.deadLetterBadRecord(partition, p, record, GraphWriter.BAD_LOG_RECORD, e.getMessage());
      return;
    }
    if (decoded.getEntry() instanceof Seal seal) {
      sealed(partition, p, record.offset(), seal);
      return;
    }
    LoggedEvent logged = (LoggedEvent) decoded.getEntry();
    GraphEvent event;
    try {
      event = mapper.map(logged, partition.partition(), record.offset());
      GraphId.of(event.graph());
    } catch (RuntimeException e) {
      commits.deadLetterBadRecord(
          partition,
          p,
          record,
          GraphWriter.BAD_LOG_RECORD,
          "cannot map the event: " + e.getMessage());
      return;
    }
    if (!lanes.accepting(event.graph())) {
      // Another owner has the graph, or it waits for an operator: leave the record pending.
      return;
    }
    buffers
        .computeIfAbsent(new StreamKey(partition, event.graph()), k -> new ArrayList<>())
        .add(new BufferedEvent(record.offset(), record.key(), record.value(), event));
    bufferedEvents++;
  }

  /** A seal closes the graph's open events on this partition into a batch. */
  private void sealed(TopicPartition partition, PartitionProgress p, long offset, Seal seal) {
    String graph = seal.getGraph();
    List<BufferedEvent> events = buffers.remove(new StreamKey(partition, graph));
    if (events != null) {
      bufferedEvents -= events.size();
    }
    if (!lanes.accepting(graph)) {
      return;
    }
    if (events == null || events.isEmpty()) {
      p.published(offset);
      return;
    }
    if (events.size() != seal.getEventCount()) {
      // After a restart or rebalance the log is re-read from the committed offset, which can lie
      // inside a batch that was published already: those events are skipped by the engine.
      LOG.debug(
          "graph {}: seal {} at {}@{} closes {} events, it counted {}",
          graph,
          seal.getSequence(),
          partition,
          offset,
          events.size(),
          seal.getEventCount());
    }
    lanes.submit(new PendingBatch(graph, partition, p, events, offset, seal.getSequence()));
  }

  /** Drops the buffered events of {@code partitions}. */
  void drop(Set<TopicPartition> partitions) {
    for (Iterator<Map.Entry<StreamKey, List<BufferedEvent>>> it = buffers.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<StreamKey, List<BufferedEvent>> entry = it.next();
      if (partitions.contains(entry.getKey().partition())) {
        bufferedEvents -= entry.getValue().size();
        it.remove();
      }
    }
  }
}
