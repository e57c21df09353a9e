package io.ingraft.app.writer;

import io.ingraft.app.dlq.DeadLetterHeaders;
import io.ingraft.app.dlq.RecordLimits;
import io.ingraft.engine.BatchResult;
import io.ingraft.engine.EventResult;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.events.CommitNoticeCodec;
import io.ingraft.events.EventFormat;
import io.ingraft.events.avro.CommitNotice;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.Manifest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies sealed batches of one graph (one, or several consecutive ones taken together) through
 * the engine and sends what follows from it: a dead letter per rejected event (the original
 * graph-log bytes, with reason headers) and a {@link CommitNotice} per published manifest
 * version. It returns once the broker has acknowledged those records, so the offsets the writer
 * commits afterwards never run ahead of them.
 *
 * <p>The events go to the engine in segments split at schema events, the same split the engine
 * makes itself (a schema event publishes on its own). Each call then publishes at most one
 * version, which is what lets a commit notice carry that version's exact counts and offsets.
 *
 * <p>Exceptions from the engine (a fencing, a storage fault) propagate: the caller decides. A
 * segment published before the failure is skipped by the engine when the batch is retried, so a
 * retry neither re-applies it nor sends its notices twice. Thread-safe: workers share it.
 */
final class BatchApplier {
  private static final Logger LOG = LoggerFactory.getLogger(BatchApplier.class);
  static final String STAGE = "writer";

  private final GraphEngine engine;
  private final Producer<byte[], byte[]> producer;
  private final String graphLogTopic;
  private final String dlqTopic;
  private final String commitsTopic;
  private final Clock clock;
  private final Duration sendTimeout;
  private final WriterCounters counters;
  private final WriterListener listener;
  private final CommitNoticeCodec notices = new CommitNoticeCodec();

  BatchApplier(GraphEngine engine, Producer<byte[], byte[]> producer, String graphLogTopic,
      String dlqTopic, String commitsTopic, Clock clock, Duration sendTimeout,
      WriterCounters counters, WriterListener listener) {
    this.engine = engine;
    this.producer = producer;
    this.graphLogTopic = graphLogTopic;
    this.dlqTopic = dlqTopic;
    this.commitsTopic = commitsTopic;
    this.clock = clock;
    this.sendTimeout = sendTimeout;
    this.counters = counters;
    this.listener = listener;
  }

  /**
   * Applies {@code batches} (consecutive batches of one graph, read from one partition) and sends
   * their dead letters and commit notices.
   */
  void apply(List<PendingBatch> batches) {
    long started = System.nanoTime();
    PendingBatch batch = batches.get(0);
    GraphId graph = GraphId.of(batch.graph());
    List<BufferedEvent> events;
    if (batches.size() == 1) {
      events = batch.events();
    } else {
      events = new ArrayList<>();
      for (PendingBatch next : batches) {
        if (!next.graph().equals(batch.graph()) || !next.partition().equals(batch.partition())) {
          throw new IllegalArgumentException(next + " cannot be applied together with " + batch);
        }
        events.addAll(next.events());
      }
    }
    int start = 0;
    while (start < events.size()) {
      int end = segmentEnd(events, start);
      List<BufferedEvent> segment = events.subList(start, end);
      List<GraphEvent> engineEvents = new ArrayList<>(segment.size());
      segment.forEach(e -> engineEvents.add(e.event()));
      long applyStarted = System.nanoTime();
      BatchResult result = engine.apply(graph, engineEvents);
      long applyNanos = System.nanoTime() - applyStarted;
      if (result.events().size() != segment.size()) {
        throw new IllegalStateException("engine returned " + result.events().size()
            + " results for " + segment.size() + " events of graph " + graph);
      }
      report(batch, segment, result, applyNanos);
      start = end;
    }
    counters.batches.addAndGet(batches.size());
    counters.applies.incrementAndGet();
    listener.batchesApplied(batch.graph(), events.size(), System.nanoTime() - started);
  }

  private static int segmentEnd(List<BufferedEvent> events, int start) {
    if (isSchema(events.get(start))) {
      return start + 1;
    }
    int end = start;
    while (end < events.size() && !isSchema(events.get(end))) {
      end++;
    }
    return end;
  }

  private static boolean isSchema(BufferedEvent event) {
    return event.event().body() instanceof EventBody.SchemaChange;
  }

  private void report(PendingBatch batch, List<BufferedEvent> segment, BatchResult result,
      long applyNanos) {
    List<Send> sends = new ArrayList<>();
    int applied = 0;
    int rejected = 0;
    int skipped = 0;
    for (int i = 0; i < segment.size(); i++) {
      EventResult outcome = result.events().get(i);
      switch (outcome.status()) {
        case APPLIED -> applied++;
        case SKIPPED -> skipped++;
        case REJECTED -> {
          rejected++;
          listener.rejected(batch.graph(), outcome.code().name());
          sends.add(deadLetter(batch, segment.get(i), outcome));
        }
        default -> throw new IllegalStateException("unknown status " + outcome.status());
      }
    }
    counters.eventsApplied.addAndGet(applied);
    counters.eventsRejected.addAndGet(rejected);
    counters.eventsSkipped.addAndGet(skipped);
    listener.applied(batch.graph(), applied, skipped, applyNanos);
    if (result.published()) {
      counters.lastPublish = clock.instant();
      sends.add(notice(batch, segment, result, applied, rejected, skipped));
    }
    for (Send send : sends) {
      if (await(send)) {
        send.counter().run();
      }
    }
    LOG.debug("graph {}: {} events from {}@{} -> version {} ({} applied, {} rejected, {} skipped)",
        batch.graph(), segment.size(), batch.partition(), segment.get(0).offset(),
        result.manifestVersion(), applied, rejected, skipped);
  }

  /** A record on its way to the broker, what it is (for logs), and what to count once acked. */
  private record Send(Future<RecordMetadata> future, String what, Runnable counter) {
  }

  private Send deadLetter(PendingBatch batch, BufferedEvent event, EventResult outcome) {
    Headers headers = DeadLetterHeaders.of(STAGE, outcome.code().name(), outcome.message(),
        graphLogTopic, batch.partition().partition(), event.offset(), batch.graph(),
        event.event().eventId());
    String what = "dead letter of event " + event.event().eventId() + " (graph " + batch.graph()
        + ", " + batch.partition() + "@" + event.offset() + ", " + outcome.code() + ")";
    // DEBUG: a stream of bad events would flood the log; the DLQ and the stats count them.
    LOG.debug("graph {}: event {} at {}@{} rejected: {} {}", batch.graph(),
        event.event().eventId(), batch.partition(), event.offset(), outcome.code(),
        outcome.message());
    long size = RecordLimits.sizeOf(event.key(), event.value(), headers);
    if (!RecordLimits.fits(size)) {
      // Only a record written to the graph log by something other than stage 1 can get here.
      Headers tooLarge = DeadLetterHeaders.of(STAGE, RecordLimits.RECORD_TOO_LARGE,
          outcome.code() + ": " + outcome.message() + "; " + RecordLimits.tooLarge(size,
              graphLogTopic + "-" + batch.partition().partition() + "@" + event.offset()),
          graphLogTopic, batch.partition().partition(), event.offset(), batch.graph(),
          event.event().eventId());
      return send(new ProducerRecord<>(dlqTopic, null, (byte[]) null, new byte[0], tooLarge), what,
          () -> {
            counters.deadLetters.incrementAndGet();
            listener.deadLettered(RecordLimits.RECORD_TOO_LARGE);
          });
    }
    String code = outcome.code().name();
    return send(new ProducerRecord<>(dlqTopic, null, event.key(), event.value(), headers), what,
        () -> {
          counters.deadLetters.incrementAndGet();
          listener.deadLettered(code);
        });
  }

  private Send notice(PendingBatch batch, List<BufferedEvent> segment, BatchResult result,
      int applied, int rejected, int skipped) {
    long version = result.manifestVersion();
    Map<String, Long> tables = new TreeMap<>();
    long publishedAt = clock.millis();
    try {
      Manifest manifest = engine.manifest(GraphId.of(batch.graph()), version);
      manifest.tables().forEach((table, pin) -> tables.put(table, pin.version()));
      publishedAt = manifest.time().toEpochMilli();
    } catch (RuntimeException e) {
      // The version is published whatever happens here; a notice without its table versions
      // beats failing the batch (a retry would skip every event and send no notice at all).
      LOG.warn("graph {}: cannot read manifest version {} for its commit notice", batch.graph(),
          version, e);
    }
    Long oldest = null;
    for (BufferedEvent event : segment) {
      Long timestamp = event.event().timestamp();
      if (timestamp != null && (oldest == null || timestamp < oldest)) {
        oldest = timestamp;
      }
    }
    CommitNotice notice = CommitNotice.newBuilder()
        .setGraph(batch.graph())
        .setManifestVersion(version)
        .setApplied(applied)
        .setRejected(rejected)
        .setSkipped(skipped)
        .setFirstOffset(segment.get(0).offset())
        .setLastOffset(segment.get(segment.size() - 1).offset())
        .setTables(tables)
        // A producer clock ahead of ours would make it negative; freshness is at least zero.
        .setFreshnessMs(oldest == null ? null : Math.max(0, publishedAt - oldest))
        .setPublishedAt(publishedAt)
        .build();
    listener.published(batch.graph(), version, Instant.ofEpochMilli(publishedAt), oldest);
    byte[] value = notices.encode(notice, EventFormat.AVRO);
    byte[] key = batch.graph().getBytes(StandardCharsets.UTF_8);
    return send(new ProducerRecord<>(commitsTopic, null, key, value),
        "commit notice of graph " + batch.graph() + " version " + version,
        () -> {
          counters.commitNotices.incrementAndGet();
          listener.commitNoticeSent(batch.graph());
        });
  }

  private Send send(ProducerRecord<byte[], byte[]> record, String what, Runnable counter) {
    Future<RecordMetadata> future;
    try {
      future = producer.send(record);
    } catch (RuntimeException e) {
      future = CompletableFuture.failedFuture(e);
    }
    return new Send(future, what, counter);
  }

  /**
   * Waits for the broker's acknowledgement. A record that cannot be sent is logged and given up:
   * its batch is published, and a replay would skip its events and never send it again.
   */
  private boolean await(Send send) {
    try {
      send.future().get(sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (ExecutionException | TimeoutException e) {
      LOG.error("cannot send the {}; it is lost", send.what(),
          e instanceof ExecutionException ? e.getCause() : e);
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      LOG.error("interrupted while sending the {}", send.what());
      return false;
    }
  }
}
