package io.ingraft.app.writer;

import io.ingraft.app.dlq.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer's offset commits: per assigned partition, the {@link PartitionProgress} of every
 * record read and not yet published, and the commit of the offset below the first unpublished
 * one. Only the poll thread uses it.
 */
final class OffsetCommits {
  private static final Logger LOG = LoggerFactory.getLogger(OffsetCommits.class);

  private final Producer<byte[], byte[]> producer;
  private final String dlqTopic;
  private final WriterCounters counters;
  private final Consumer<Runnable> pollThread;
  private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
  private org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer;

  OffsetCommits(Producer<byte[], byte[]> producer, String dlqTopic, WriterCounters counters,
      Consumer<Runnable> pollThread) {
    this.producer = producer;
    this.dlqTopic = dlqTopic;
    this.counters = counters;
    this.pollThread = pollThread;
  }

  /** The consumer whose offsets are committed (set when the poll loop starts). */
  void bind(org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer) {
    this.consumer = consumer;
  }

  /** The bookkeeping of a partition, begun if it is not tracked yet. */
  PartitionProgress track(TopicPartition partition) {
    return progress.computeIfAbsent(partition, k -> new PartitionProgress());
  }

  /** The bookkeeping of a partition, or null when it is not assigned. */
  PartitionProgress progress(TopicPartition partition) {
    return progress.get(partition);
  }

  /** The partitions tracked now. */
  Set<TopicPartition> partitions() {
    return Set.copyOf(progress.keySet());
  }

  /** A batch is published: its records (events and seal) no longer hold the commit back. */
  void published(PendingBatch batch) {
    PartitionProgress p = batch.progress();
    if (p.retired()) {
      return;
    }
    for (BufferedEvent event : batch.events()) {
      p.published(event.offset());
    }
    p.published(batch.sealOffset());
  }

  /**
   * Dead-letters a graph-log record that does not decode; it counts as published once the dead
   * letter is acknowledged (or given up).
   */
  void deadLetterBadRecord(TopicPartition partition, PartitionProgress p,
      ConsumerRecord<byte[], byte[]> record, String code, String reason) {
    String graph = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    LOG.warn("{}@{}: undecodable graph-log record (graph {}): {}", partition, record.offset(),
        graph, reason);
    Headers headers = DeadLetterHeaders.of(BatchApplier.STAGE, code, reason,
        partition.topic(), partition.partition(), record.offset(), graph, null);
    long offset = record.offset();
    Runnable done = () -> p.published(offset);
    try {
      producer.send(new ProducerRecord<>(dlqTopic, null, record.key(), record.value(), headers),
          (metadata, error) -> {
            if (error != null) {
              LOG.error("cannot dead-letter {}@{}; it is lost", partition, offset, error);
            } else {
              counters.deadLetters.incrementAndGet();
            }
            // Published either way: holding the partition back forever would stop every graph.
            pollThread.accept(done);
          });
    } catch (RuntimeException e) {
      LOG.error("cannot dead-letter {}@{}; it is lost", partition, offset, e);
      done.run();
    }
  }

  /** Commits, for each of {@code partitions}, the offset below its first unpublished record. */
  void commit(Collection<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition partition : partitions) {
      PartitionProgress p = progress.get(partition);
      if (p == null) {
        continue;
      }
      if (p.pending() == 0 && p.lastSeen() >= 0) {
        try {
          // Past trailing transaction markers, which are never delivered.
          p.fetchedTo(consumer.position(partition, Duration.ZERO));
        } catch (KafkaException | IllegalStateException e) {
          // Unknown right now; last seen + 1 will do.
        }
      }
      OptionalLong next = p.toCommit();
      if (next.isPresent()) {
        offsets.put(partition, new OffsetAndMetadata(next.getAsLong()));
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    try {
      consumer.commitSync(offsets, Duration.ofSeconds(10));
      offsets.forEach((partition, offset) -> progress.get(partition).committed(offset.offset()));
      LOG.debug("committed {}", offsets);
    } catch (KafkaException e) {
      // Rebalancing, coordinator moving, timeout: the revocation or the next interval commits.
      LOG.info("commit of {} deferred: {}", offsets, e.toString());
    }
  }

  /**
   * Starts the partition's bookkeeping over (the consumer is about to re-read it).
   *
   * @return the offset to re-read from, if known
   */
  OptionalLong restart(TopicPartition partition) {
    PartitionProgress p = progress.get(partition);
    OptionalLong from = p == null ? OptionalLong.empty() : p.committable();
    retire(Set.of(partition));
    progress.put(partition, new PartitionProgress());
    return from;
  }

  /** Forgets partitions that are no longer ours: the outcome of their work moves no offset. */
  void retire(Set<TopicPartition> partitions) {
    for (TopicPartition partition : partitions) {
      PartitionProgress p = progress.remove(partition);
      if (p != null) {
        p.retire();
      }
    }
  }
}
