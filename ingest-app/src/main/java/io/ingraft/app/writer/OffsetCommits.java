package io.ingraft.app.writer;

import io.ingraft.app.dlq.DeadLetterHeaders;
import io.ingraft.recovery.Failpoints;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer's commits: offsets and side outputs, in one Kafka transaction. Per assigned partition
 * it keeps the {@link PartitionProgress} of every record read and not yet published; per graph, the
 * side outputs ({@link VersionOutputs}) of its versions not yet committed; per partition, the dead
 * letters of undecodable records. A commit moves each partition's offset to below its first
 * unpublished record and, in the same transaction, sends the side outputs that offset covers: those
 * of every version up to the last one whose events lie below it, and the dead letters of
 * undecodable records below it. The offsets go through {@code sendOffsetsToTransaction} with the
 * consumer's group metadata, so a writer that has left the group (a zombie) cannot commit. Either
 * everything of a transaction is visible to {@code read_committed} consumers, or nothing is, and
 * then the records are re-read (or the versions re-sent by the next owner, {@link
 * SideOutputs#unsent}).
 *
 * <p>Committed offsets carry this writer's tag and the start of the group's side-output history
 * ({@code since}); a partition whose offset lacks the tag (a new group, or offsets an operator
 * reset) starts its history at its assignment, and its offset is committed again, tagged, before
 * anything else.
 *
 * <p>A transaction whose commit timed out (the broker unreachable) is retried as it is: nothing
 * else is sent until its outcome is known. Any other failure aborts it (or, if the producer cannot
 * go on, replaces the producer) and re-reads the group's committed offsets before the next attempt,
 * so nothing is sent twice or dropped. Only the poll thread uses it.
 */
final class OffsetCommits {
  private static final Logger LOG = LoggerFactory.getLogger(OffsetCommits.class);

  /** Prefix of the metadata of every offset this writer commits. */
  static final String TAG = "ingraft-writer/1 since=";

  private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(10);

  /** A graph's versions whose side outputs are not committed yet, oldest first. */
  private static final class GraphOutputs {
    final TopicPartition partition;
    final ArrayDeque<VersionOutputs> versions = new ArrayDeque<>();

    GraphOutputs(TopicPartition partition) {
      this.partition = partition;
    }

    /**
     * The versions at the end of the queue that cover no events are sent with the commit that
     * reaches {@code position} (their notice mark's).
     */
    void markQuietTail(long position) {
      ArrayDeque<VersionOutputs> tail = new ArrayDeque<>();
      while (!versions.isEmpty() && !versions.peekLast().advances()) {
        tail.addFirst(versions.pollLast().sentBy(position));
      }
      versions.addAll(tail);
    }

    /** How many of the oldest versions an offset commit at {@code offset} covers. */
    int covered(long offset) {
      int count = 0;
      int i = 0;
      for (VersionOutputs version : versions) {
        i++;
        if (version.advances() && version.advancesTo() <= offset) {
          count = i;
        }
      }
      return count;
    }
  }

  /** What one transaction holds, to be recorded once it commits. */
  private record Transaction(
      Map<TopicPartition, OffsetAndMetadata> offsets,
      Map<GraphOutputs, Integer> versions,
      Map<TopicPartition, Long> badBelow,
      int deadLetters,
      int notices,
      List<ProducerRecord<byte[], byte[]>> records) {}

  private final Supplier<Producer<byte[], byte[]>> producers;
  private final String dlqTopic;
  private final String commitsTopic;
  private final Clock clock;
  private final WriterCounters counters;
  private final WriterListener listener;
  private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
  private final Map<String, GraphOutputs> graphs = new HashMap<>();
  private final Map<TopicPartition, TreeMap<Long, ProducerRecord<byte[], byte[]>>> badRecords =
      new HashMap<>();

  /** Records the broker refused as too large: sent again without their payload. */
  private final Set<ProducerRecord<byte[], byte[]>> tooLarge =
      java.util.Collections.newSetFromMap(new IdentityHashMap<>());

  private Producer<byte[], byte[]> producer;
  private Consumer<byte[], byte[]> consumer;
  private Transaction inFlight;
  private boolean resync;

  /**
   * @param producers makes a transactional producer, its transactions initialised
   */
  OffsetCommits(
      Supplier<Producer<byte[], byte[]>> producers,
      String dlqTopic,
      String commitsTopic,
      Clock clock,
      WriterCounters counters,
      WriterListener listener) {
    this.producers = producers;
    this.dlqTopic = dlqTopic;
    this.commitsTopic = commitsTopic;
    this.clock = clock;
    this.counters = counters;
    this.listener = listener;
  }

  /** The consumer whose offsets are committed (set when the poll loop starts). */
  void bind(Consumer<byte[], byte[]> consumer) {
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

  /**
   * Partitions were assigned: reads the group's committed offsets of those not known yet (the
   * baseline a takeover re-sends from). Retried by every commit until it succeeds.
   */
  void assigned(Collection<TopicPartition> partitions) {
    for (TopicPartition partition : partitions) {
      track(partition);
    }
    readBaselines();
  }

  private void readBaselines() {
    Set<TopicPartition> unknown = new HashSet<>();
    progress.forEach(
        (partition, p) -> {
          if (!p.hasBaseline()) {
            unknown.add(partition);
          }
        });
    if (unknown.isEmpty()) {
      return;
    }
    try {
      Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(unknown, FETCH_TIMEOUT);
      Map<TopicPartition, Long> beginnings = null;
      for (TopicPartition partition : unknown) {
        OffsetAndMetadata offset = committed.get(partition);
        long since = sinceOf(offset);
        if (since >= 0) {
          progress.get(partition).baseline(offset.offset(), since, false);
          continue;
        }
        long from;
        if (offset != null) {
          from = offset.offset();
        } else {
          if (beginnings == null) {
            beginnings = consumer.beginningOffsets(unknown, FETCH_TIMEOUT);
          }
          from = beginnings.getOrDefault(partition, 0L);
        }
        LOG.info(
            "{}: no offset committed by this protocol ({}); side outputs of versions"
                + " published from now on are this group's",
            partition,
            offset == null ? "a new group" : "offsets reset to " + offset.offset());
        progress.get(partition).baseline(from, clock.millis(), true);
      }
    } catch (KafkaException | IllegalStateException e) {
      LOG.info("committed offsets of {} not known yet: {}", unknown, e.toString());
    }
  }

  private static long sinceOf(OffsetAndMetadata offset) {
    if (offset == null || offset.metadata() == null || !offset.metadata().startsWith(TAG)) {
      return -1;
    }
    try {
      return Long.parseLong(offset.metadata().substring(TAG.length()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * A graph was taken over: its versions whose side outputs no transaction has committed, found
   * from the manifests, replace whatever was queued for it.
   */
  void takenOver(String graph, TopicPartition partition, List<VersionOutputs> unsent) {
    if (progress.get(partition) == null) {
      return;
    }
    GraphOutputs outputs = new GraphOutputs(partition);
    outputs.versions.addAll(unsent);
    graphs.put(graph, outputs);
  }

  /**
   * A batch is published: its versions' side outputs, and the dead letters of its rejected events
   * that no version records, wait for the transaction that commits past them; its records (events
   * and seal) no longer hold the commit back. If the apply wrote a notice mark ({@code markedAt}
   * not -1), the graph's queued versions that cover no events at its end are sent with the commit
   * that reaches the mark's position.
   */
  void published(
      PendingBatch batch,
      List<VersionOutputs> versions,
      Map<Long, ProducerRecord<byte[], byte[]>> deadLetters,
      long markedAt) {
    PartitionProgress p = batch.progress();
    if (p.retired()) {
      return;
    }
    if (!deadLetters.isEmpty()) {
      // Deterministic like an undecodable record's: sent with the commit that passes it.
      badRecords.computeIfAbsent(batch.partition(), k -> new TreeMap<>()).putAll(deadLetters);
    }
    if (!versions.isEmpty()) {
      graphs
          .computeIfAbsent(batch.graph(), g -> new GraphOutputs(batch.partition()))
          .versions
          .addAll(versions);
    }
    GraphOutputs queued = graphs.get(batch.graph());
    if (markedAt >= 0 && queued != null) {
      queued.markQuietTail(markedAt);
    }
    for (BufferedEvent event : batch.events()) {
      p.published(event.offset());
    }
    p.published(batch.sealOffset());
  }

  /**
   * A graph-log record that does not decode: its dead letter goes out with the transaction that
   * commits past it, and the record no longer holds the commit back. Deterministic: a re-read of
   * the record makes the same dead letter.
   */
  void deadLetterBadRecord(
      TopicPartition partition,
      PartitionProgress p,
      ConsumerRecord<byte[], byte[]> record,
      String code,
      String reason) {
    badRecords
        .computeIfAbsent(partition, k -> new TreeMap<>())
        .put(
            record.offset(),
            SideOutputs.badRecord(
                dlqTopic, partition, record.offset(), record.key(), record.value(), code, reason));
    p.published(record.offset());
  }

  /**
   * Commits, for each of {@code partitions}, the offset below its first unpublished record, with
   * the side outputs it covers, in one transaction.
   *
   * @return whether everything due was committed (false: retried by the next call)
   */
  boolean commit(Collection<TopicPartition> partitions) {
    if (inFlight != null && !finishInFlight()) {
      return false;
    }
    if (producer == null && !openProducer()) {
      return false;
    }
    if (resync && !resync()) {
      return false;
    }
    readBaselines();
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    Map<GraphOutputs, Integer> versions = new IdentityHashMap<>();
    Map<TopicPartition, Long> badBelow = new HashMap<>();
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    int deadLetters = 0;
    int notices = 0;
    for (TopicPartition partition : partitions) {
      PartitionProgress p = progress.get(partition);
      if (p == null || !p.hasBaseline()) {
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
      long offset;
      if (next.isPresent()) {
        offset = next.getAsLong();
      } else if (p.tagPending()) {
        offset = Math.max(p.lastCommitted(), p.committable().orElse(p.lastCommitted()));
      } else {
        continue;
      }
      offsets.put(partition, new OffsetAndMetadata(offset, TAG + p.since()));
      TreeMap<Long, ProducerRecord<byte[], byte[]>> bad = badRecords.get(partition);
      if (bad != null && !bad.headMap(offset).isEmpty()) {
        for (ProducerRecord<byte[], byte[]> record : bad.headMap(offset).values()) {
          records.add(record);
          deadLetters++;
        }
        badBelow.put(partition, offset);
      }
      for (GraphOutputs outputs : graphs.values()) {
        if (!outputs.partition.equals(partition)) {
          continue;
        }
        int covered = outputs.covered(offset);
        if (covered == 0) {
          continue;
        }
        versions.put(outputs, covered);
        Iterator<VersionOutputs> it = outputs.versions.iterator();
        for (int i = 0; i < covered; i++) {
          VersionOutputs version = it.next();
          records.addAll(version.records());
          deadLetters += version.deadLetters();
          notices++;
        }
      }
    }
    if (offsets.isEmpty()) {
      return true;
    }
    Transaction transaction =
        new Transaction(offsets, versions, badBelow, deadLetters, notices, records);
    try {
      producer.beginTransaction();
      for (ProducerRecord<byte[], byte[]> record : records) {
        ProducerRecord<byte[], byte[]> sent =
            tooLarge.contains(record) ? withoutPayload(record) : record;
        producer.send(
            sent,
            (metadata, error) -> {
              if (error instanceof RecordTooLargeException) {
                tooLarge.add(record);
              }
            });
      }
      producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
      Failpoints.hit(Failpoints.WRITER_BEFORE_TRANSACTION_COMMIT);
    } catch (KafkaException | IllegalStateException | io.ingraft.IngraftException e) {
      failed(transaction, e);
      return false;
    }
    inFlight = transaction;
    return finishInFlight();
  }

  /** Commits the transaction in flight; false while its outcome is not known yet. */
  private boolean finishInFlight() {
    Transaction transaction = inFlight;
    try {
      producer.commitTransaction();
    } catch (TimeoutException e) {
      // The commit may or may not have reached the broker: only a retry of the same commit is
      // allowed now.
      LOG.info(
          "commit of {} not acknowledged yet; retrying it: {}",
          transaction.offsets(),
          e.toString());
      return false;
    } catch (KafkaException | IllegalStateException | io.ingraft.IngraftException e) {
      inFlight = null;
      failed(transaction, e);
      return false;
    }
    inFlight = null;
    Failpoints.hit(Failpoints.WRITER_AFTER_TRANSACTION_COMMIT);
    committed(transaction);
    return true;
  }

  private void committed(Transaction transaction) {
    transaction
        .offsets()
        .forEach(
            (partition, offset) -> {
              PartitionProgress p = progress.get(partition);
              if (p != null) {
                p.committed(offset.offset());
              }
            });
    transaction
        .versions()
        .forEach(
            (outputs, count) -> {
              for (int i = 0; i < count; i++) {
                outputs.versions.pollFirst().records().forEach(tooLarge::remove);
              }
            });
    transaction
        .badBelow()
        .forEach(
            (partition, below) -> {
              TreeMap<Long, ProducerRecord<byte[], byte[]>> bad = badRecords.get(partition);
              if (bad != null) {
                bad.headMap(below).values().forEach(tooLarge::remove);
                bad.headMap(below).clear();
              }
            });
    counters.deadLetters.addAndGet(transaction.deadLetters());
    counters.commitNotices.addAndGet(transaction.notices());
    for (ProducerRecord<byte[], byte[]> record : transaction.records()) {
      if (record.topic().equals(dlqTopic)) {
        Header code = record.headers().lastHeader(DeadLetterHeaders.CODE);
        listener.deadLettered(
            code == null ? "UNKNOWN" : new String(code.value(), StandardCharsets.UTF_8));
      } else if (record.key() != null) {
        listener.commitNoticeSent(new String(record.key(), StandardCharsets.UTF_8));
      }
    }
    LOG.debug(
        "committed {} with {} dead letter(s) and {} commit notice(s)",
        transaction.offsets(),
        transaction.deadLetters(),
        transaction.notices());
  }

  /**
   * A transaction failed: abort it, or replace the producer when it cannot go on; either way the
   * group's committed offsets are read again before the next attempt (a replaced producer's last
   * commit may have succeeded).
   */
  private void failed(Transaction transaction, RuntimeException e) {
    LOG.info(
        "commit of {} failed; retried at the next commit: {}", transaction.offsets(), e.toString());
    try {
      producer.abortTransaction();
    } catch (RuntimeException abortFailed) {
      LOG.info("abort failed ({}); replacing the producer", abortFailed.toString());
      closeProducer();
    }
    resync = true;
  }

  /**
   * Reads the group's committed offsets again and drops what they show was committed: the versions
   * and bad records below them.
   */
  private boolean resync() {
    Set<TopicPartition> partitions = progress.keySet();
    if (partitions.isEmpty()) {
      resync = false;
      return true;
    }
    try {
      Map<TopicPartition, OffsetAndMetadata> committed =
          consumer.committed(Set.copyOf(partitions), FETCH_TIMEOUT);
      committed.forEach(
          (partition, offset) -> {
            PartitionProgress p = progress.get(partition);
            if (offset == null
                || p == null
                || sinceOf(offset) < 0
                || offset.offset() <= p.lastCommitted()) {
              return;
            }
            LOG.info("{}: the failed commit at {} had gone through", partition, offset.offset());
            p.committed(offset.offset());
            for (GraphOutputs outputs : graphs.values()) {
              if (outputs.partition.equals(partition)) {
                int covered = outputs.covered(offset.offset());
                for (int i = 0; i < covered; i++) {
                  outputs.versions.pollFirst();
                }
              }
            }
            TreeMap<Long, ProducerRecord<byte[], byte[]>> bad = badRecords.get(partition);
            if (bad != null) {
              bad.headMap(offset.offset()).clear();
            }
          });
      resync = false;
      return true;
    } catch (KafkaException | IllegalStateException e) {
      LOG.info("committed offsets not readable yet: {}", e.toString());
      return false;
    }
  }

  private boolean openProducer() {
    try {
      producer = producers.get();
      return true;
    } catch (KafkaException | IllegalStateException e) {
      LOG.info("transactional producer not ready yet: {}", e.toString());
      return false;
    }
  }

  private void closeProducer() {
    if (producer != null) {
      try {
        producer.close(Duration.ZERO);
      } catch (RuntimeException e) {
        LOG.debug("producer close failed", e);
      }
      producer = null;
    }
  }

  /** A record the broker refused as too large, sent again with its key and value dropped. */
  private static ProducerRecord<byte[], byte[]> withoutPayload(
      ProducerRecord<byte[], byte[]> record) {
    Headers headers = new RecordHeaders(record.headers().toArray());
    headers.add("ingraft.payload.dropped", "RECORD_TOO_LARGE".getBytes(StandardCharsets.UTF_8));
    return new ProducerRecord<>(record.topic(), null, (byte[]) null, (byte[]) null, headers);
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
    PartitionProgress fresh = track(partition);
    if (p != null && p.hasBaseline()) {
      fresh.baseline(p.lastCommitted(), p.since(), p.tagPending());
    }
    return from;
  }

  /**
   * Forgets partitions that are no longer ours: the outcome of their work moves no offset, and
   * their queued side outputs are left to the next owner, which re-sends them.
   */
  void retire(Set<TopicPartition> partitions) {
    for (TopicPartition partition : partitions) {
      PartitionProgress p = progress.remove(partition);
      if (p != null) {
        p.retire();
      }
      badRecords.remove(partition);
    }
    graphs.values().removeIf(outputs -> partitions.contains(outputs.partition));
  }

  /** Closes the producer (the writer stops). */
  void close() {
    if (inFlight != null) {
      finishInFlight();
    }
    if (producer != null) {
      try {
        producer.close(Duration.ofSeconds(10));
      } catch (RuntimeException e) {
        LOG.warn("graph writer: producer close failed", e);
      }
      producer = null;
    }
  }
}
