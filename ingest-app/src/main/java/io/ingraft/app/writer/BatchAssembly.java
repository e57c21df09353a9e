package io.ingraft.app.writer;

import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.events.GraphLogHead;
import io.ingraft.events.avro.Seal;
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
 * Turns graph-log records into batches: per partition and graph, events are buffered until the
 * graph's seal, which closes them (and itself) into a {@link PendingBatch} for the {@link
 * LaneScheduler}. An event is buffered as its record's bytes with the graph and body kind read from
 * them ({@link GraphLogHead}); the worker that applies the batch decodes it. A record whose head
 * cannot be read is decoded here: a seal, or a dead letter ({@link GraphWriter#BAD_LOG_RECORD}) if
 * it does not decode or map (one that only fails in the worker becomes the same dead letter there).
 * A record of a graph this writer may not write now (fenced, or stopped for an operator) is left
 * pending, so the partition's commit stays below it. Only the poll thread uses it.
 */
final class BatchAssembly {
  private static final Logger LOG = LoggerFactory.getLogger(BatchAssembly.class);

  /** A graph's open (not yet sealed) events on one partition. */
  private record StreamKey(TopicPartition partition, String graph) {}

  private final LogRecordDecoder decoder;
  private final OffsetCommits commits;
  private final LaneScheduler lanes;
  private final WriterCounters counters;
  private final Map<StreamKey, List<BufferedEvent>> buffers = new HashMap<>();
  private int bufferedEvents;

  BatchAssembly(
      String graphLogTopic, OffsetCommits commits, LaneScheduler lanes, WriterCounters counters) {
    this.decoder = new LogRecordDecoder(graphLogTopic);
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
    byte[] value = record.value();
    GraphLogHead head = value == null ? null : GraphLogHead.read(value);
    String graph;
    GraphLogHead.Body body;
    if (head != null) {
      // The common case: the graph and body kind are read from the bytes; a worker decodes the
      // event when it applies the batch.
      graph = head.graph();
      body = head.body();
    } else {
      // A seal, JSON or a bad record: decoded whole here. An event among them is still held as
      // bytes, and decoded again by the worker.
      LogRecordDecoder.Decoded decoded =
          decoder.decode(value, partition.partition(), record.offset());
      if (decoded instanceof LogRecordDecoder.Bad bad) {
        commits.deadLetterBadRecord(partition, p, record, GraphWriter.BAD_LOG_RECORD, bad.reason());
        return;
      }
      if (decoded instanceof LogRecordDecoder.Sealed sealed) {
        sealed(partition, p, record.offset(), sealed.seal());
        return;
      }
      GraphEvent event = ((LogRecordDecoder.Event) decoded).event();
      graph = event.graph();
      body = bodyOf(event);
    }
    if (!lanes.accepting(graph)) {
      // Another owner has the graph, or it waits for an operator: leave the record pending.
      return;
    }
    buffers
        .computeIfAbsent(new StreamKey(partition, graph), k -> new ArrayList<>())
        .add(new BufferedEvent(record.offset(), record.key(), value, body));
    bufferedEvents++;
  }

  private static GraphLogHead.Body bodyOf(GraphEvent event) {
    if (event.body() instanceof EventBody.SchemaChange) {
      return GraphLogHead.Body.SCHEMA;
    }
    return event.body() instanceof EventBody.Load
        ? GraphLogHead.Body.LOAD
        : GraphLogHead.Body.MUTATION;
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
    if (events == null) {
      // Re-read after every event it closes (they lie below the committed offset, or were
      // undecodable): still the graph's batch, with no events. The lane takes the graph over
      // before it, as before any first batch of an assignment: a former owner's notice mark may
      // sit just above this seal, promising versions to the commit that passes it, and only the
      // takeover queues those versions, so that this assignment's commit sends them (NoticeMark).
      events = List.of();
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
