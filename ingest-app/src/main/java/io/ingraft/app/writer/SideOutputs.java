package io.ingraft.app.writer;

import io.ingraft.app.dlq.RecordLimits;
import io.ingraft.engine.GraphEngine;
import io.ingraft.events.CommitNoticeCodec;
import io.ingraft.events.EventFormat;
import io.ingraft.events.avro.CommitNotice;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.NoticeMark;
import io.ingraft.storage.manifest.CommitInfo;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestNotFoundException;
import io.ingraft.storage.manifest.RejectedEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the side outputs of manifest versions, from the manifests alone (plus the original bytes of
 * the rejected events): a {@link CommitNotice} per version and a dead letter per rejected event the
 * version records. Because they come from durable state, a version's side outputs are the same
 * whether the writer that published it sends them or a later owner re-sends them after a crash.
 * Also finds which versions of a graph a crash left unsent ({@link #unsent}). Thread-safe: workers
 * share it.
 */
final class SideOutputs {
  private static final Logger LOG = LoggerFactory.getLogger(SideOutputs.class);
  private final GraphEngine engine;
  private final String graphLogTopic;
  private final String dlqTopic;
  private final String commitsTopic;
  private final GraphLogReader reader;
  private final CommitNoticeCodec notices = new CommitNoticeCodec();

  /**
   * What only the apply that published a version knows: the events it skipped and the oldest event
   * timestamp (for the notice's freshness). A re-sent notice has neither.
   */
  record Live(int skipped, Long oldestTimestamp) {}

  SideOutputs(
      GraphEngine engine,
      String graphLogTopic,
      String dlqTopic,
      String commitsTopic,
      GraphLogReader reader) {
    this.engine = engine;
    this.graphLogTopic = graphLogTopic;
    this.dlqTopic = dlqTopic;
    this.commitsTopic = commitsTopic;
    this.reader = reader;
  }

  /**
   * The side outputs of versions {@code after + 1} through {@code through} of a graph, in order.
   *
   * @param after the last version already accounted for (null: none, the graph is new)
   * @param events the batch's events by graph-log offset, for the dead letters' original bytes
   * @param live what the apply knows about each version it published, by version
   */
  List<VersionOutputs> between(
      GraphId graph,
      TopicPartition partition,
      Manifest after,
      long through,
      Map<Long, BufferedEvent> events,
      Map<Long, Live> live) {
    List<VersionOutputs> outputs = new ArrayList<>();
    Manifest parent = after;
    for (long v = after == null ? 1 : after.version() + 1; v <= through; v++) {
      Manifest version = engine.manifest(graph, v);
      outputs.add(of(version, parent, partition, events, live.get(v)));
      parent = version;
    }
    return outputs;
  }

  /** Whether a mark of {@code source} in force at {@code committed} covers {@code version}. */
  static boolean covered(List<NoticeMark> marks, String source, long version, long committed) {
    for (NoticeMark mark : marks) {
      if (mark.source().equals(source)
          && version <= mark.version()
          && mark.position() <= committed) {
        return true;
      }
    }
    return false;
  }

  /**
   * The versions of a graph whose side outputs were never committed, oldest first, with the version
   * before the first of them (null if they start at version 1). Walking back from {@code latest}, a
   * version is sent once the group's committed offset {@code committed} has reached what it (or a
   * later version) covers, because side outputs are committed in the same transaction as that
   * offset; versions published before {@code since} (when this group's side-output history began:
   * its first assignment, or the last time an operator reset its offsets) were sent, or are not
   * this group's to send. A version was also sent if one of the graph's notice {@code marks} covers
   * it and the committed offset has reached that mark's position (the only way to tell for a
   * version that covers no events, which moves no offset).
   */
  List<VersionOutputs> unsent(
      GraphId graph,
      TopicPartition partition,
      Manifest latest,
      long committed,
      long since,
      List<NoticeMark> marks,
      Map<Long, BufferedEvent> events) {
    String source = EventMapper.sourcePartition(partition.topic(), partition.partition());
    List<Manifest> versions = new ArrayList<>();
    Manifest next = latest;
    Manifest parent = null;
    while (next != null) {
      if (next.time().toEpochMilli() < since) {
        parent = next;
        break;
      }
      parent = next.version() > 1 ? parentIfKept(graph, next) : null;
      long before = parent == null ? 0 : parent.nextOffset(source);
      long after = next.nextOffset(source);
      // Sent with the commit that passed its events, or with the one a notice mark in force
      // names (the committed offset has reached it): every version up to the mark's went out then.
      boolean sent =
          (after > before && after <= committed)
              || covered(marks, source, next.version(), committed);
      if (sent) {
        parent = next;
        break;
      }
      versions.add(0, next);
      next = parent;
    }
    List<VersionOutputs> outputs = new ArrayList<>();
    for (Manifest version : versions) {
      outputs.add(of(version, parent, partition, events, null));
      parent = version;
    }
    return outputs;
  }

  /**
   * The version before {@code version}, or null when graph gc's retention dropped it: the walk
   * stops there, and what lies below the kept history counts as sent (retention keeps the parent of
   * the newest version that applied events, so only a writer down for longer than the retention can
   * miss side outputs this way; docs/operations.md, "Housekeeping").
   */
  private Manifest parentIfKept(GraphId graph, Manifest version) {
    try {
      return engine.manifest(graph, version.version() - 1);
    } catch (ManifestNotFoundException e) {
      return null;
    }
  }

  private VersionOutputs of(
      Manifest version,
      Manifest parent,
      TopicPartition partition,
      Map<Long, BufferedEvent> events,
      Live live) {
    String source = EventMapper.sourcePartition(partition.topic(), partition.partition());
    long before = parent == null ? 0 : parent.nextOffset(source);
    long after = version.nextOffset(source);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    CommitInfo commit = version.commit();
    for (RejectedEvent rejected : commit.rejected()) {
      records.add(deadLetter(version.graph(), partition, rejected, events));
    }
    records.add(notice(version, live));
    return new VersionOutputs(
        version.graph(),
        version.version(),
        after > before ? after : -1,
        commit.rejected().size(),
        records);
  }

  private ProducerRecord<byte[], byte[]> deadLetter(
      String graph,
      TopicPartition partition,
      RejectedEvent rejected,
      Map<Long, BufferedEvent> events) {
    byte[] key;
    byte[] value;
    BufferedEvent known = events.get(rejected.offset());
    if (known != null) {
      key = known.key();
      value = known.value();
    } else {
      Optional<ConsumerRecord<byte[], byte[]>> record = reader.read(partition, rejected.offset());
      // Gone from the log (retention): the dead letter still names the event and the reason.
      key = record.map(ConsumerRecord::key).orElse(graph.getBytes(StandardCharsets.UTF_8));
      value = record.map(ConsumerRecord::value).orElse(null);
    }
    return RecordLimits.deadLetter(
        dlqTopic,
        key,
        value,
        BatchApplier.STAGE,
        rejected.code(),
        rejected.message(),
        graphLogTopic,
        partition.partition(),
        rejected.offset(),
        graph,
        rejected.eventId());
  }

  /**
   * The dead letter of a rejected event that no version records (its graph does not exist, or did
   * not when the event was first read).
   */
  ProducerRecord<byte[], byte[]> deadLetter(
      String graph,
      TopicPartition partition,
      BufferedEvent event,
      String eventId,
      String code,
      String message) {
    return RecordLimits.deadLetter(
        dlqTopic,
        event.key(),
        event.value(),
        BatchApplier.STAGE,
        code,
        message,
        graphLogTopic,
        partition.partition(),
        event.offset(),
        graph,
        eventId);
  }

  /**
   * The dead letter of a buffered record that did not decode or map when its batch was applied: the
   * same as the poll thread makes for one it could not decode ({@link #badRecord(String,
   * TopicPartition, long, byte[], byte[], String, String)}).
   */
  ProducerRecord<byte[], byte[]> badRecord(
      TopicPartition partition, BufferedEvent event, String reason) {
    return badRecord(
        dlqTopic,
        partition,
        event.offset(),
        event.key(),
        event.value(),
        GraphWriter.BAD_LOG_RECORD,
        reason);
  }

  /**
   * The dead letter of the graph-log record at {@code offset} of {@code partition} that does not
   * decode or map, wherever it is found: deterministic, so a re-read makes the same one.
   */
  static ProducerRecord<byte[], byte[]> badRecord(
      String dlqTopic,
      TopicPartition partition,
      long offset,
      byte[] key,
      byte[] value,
      String code,
      String reason) {
    String graph = key == null ? null : new String(key, StandardCharsets.UTF_8);
    LOG.warn(
        "{}@{}: undecodable graph-log record (graph {}): {}", partition, offset, graph, reason);
    return RecordLimits.deadLetter(
        dlqTopic,
        key,
        value,
        BatchApplier.STAGE,
        code,
        reason,
        partition.topic(),
        partition.partition(),
        offset,
        graph,
        null);
  }

  private ProducerRecord<byte[], byte[]> notice(Manifest version, Live live) {
    Map<String, Long> tables = new TreeMap<>();
    version.tables().forEach((table, pin) -> tables.put(table, pin.version()));
    long publishedAt = version.time().toEpochMilli();
    CommitInfo commit = version.commit();
    Long oldest = live == null ? null : live.oldestTimestamp();
    CommitNotice notice =
        CommitNotice.newBuilder()
            .setGraph(version.graph())
            .setManifestVersion(version.version())
            .setApplied((int) commit.eventCount())
            .setRejected(commit.rejected().size())
            .setSkipped(live == null ? 0 : live.skipped())
            .setFirstOffset(commit.firstOffset())
            .setLastOffset(commit.lastOffset())
            .setTables(tables)
            // A producer clock ahead of ours would make it negative; freshness is at least zero.
            .setFreshnessMs(oldest == null ? null : Math.max(0, publishedAt - oldest))
            .setPublishedAt(publishedAt)
            .setKind(commit.kind().name())
            .setRecovered(commit.recovery())
            .build();
    byte[] key = version.graph().getBytes(StandardCharsets.UTF_8);
    return new ProducerRecord<>(commitsTopic, null, key, notices.encode(notice, EventFormat.AVRO));
  }
}
