package io.ingraft.app.writer;

import io.ingraft.engine.BatchResult;
import io.ingraft.engine.EventResult;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.Manifest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes the events of sealed batches of one graph (one, or several consecutive ones taken
 * together; until now they were held as record bytes) and applies them through the engine, and
 * reports what only the apply knows about each version it published (the events it skipped, the
 * oldest event timestamp). The side outputs (dead letters, commit notices) are made from the
 * published manifests by {@link SideOutputs} and committed later, in the same Kafka transaction as
 * the offsets they concern.
 *
 * <p>The events go to the engine in segments split at schema events, the same split the engine
 * makes itself (a schema event publishes on its own). Each call then publishes at most one version.
 *
 * <p>Exceptions from the engine (a fencing, a storage fault) propagate: the caller decides. A
 * segment published before the failure is skipped by the engine when the batch is retried.
 * Thread-safe: workers share it.
 */
final class BatchApplier {
  private static final Logger LOG = LoggerFactory.getLogger(BatchApplier.class);
  static final String STAGE = "writer";

  private final GraphEngine engine;
  private final Clock clock;
  private final WriterCounters counters;
  private final WriterListener listener;
  private final LogRecordDecoder decoder;

  BatchApplier(
      GraphEngine engine,
      String graphLogTopic,
      Clock clock,
      WriterCounters counters,
      WriterListener listener) {
    this.engine = engine;
    this.decoder = new LogRecordDecoder(graphLogTopic);
    this.clock = clock;
    this.counters = counters;
    this.listener = listener;
  }

  /**
   * What an apply found out: per version it published, what only the apply knows; the events it
   * rejected that no version records (a graph that does not exist, or did not yet when the event
   * was first read), whose dead letters are deterministic on every read; and the records that did
   * not decode, dead letters ({@link GraphWriter#BAD_LOG_RECORD}) just as deterministic.
   */
  record Outcome(
      Map<Long, SideOutputs.Live> live, List<Unrecorded> unrecorded, List<BadRecord> bad) {}

  /** A rejected event no manifest version records. */
  record Unrecorded(BufferedEvent event, String eventId, EventResult result) {}

  /** A buffered record that did not decode or map when its batch was applied. */
  record BadRecord(BufferedEvent event, String reason) {}

  /** Applies {@code batches} (consecutive batches of one graph, read from one partition). */
  Outcome apply(List<PendingBatch> batches) {
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
    // The batch held the records' bytes until now; the decoded events live only for this apply.
    List<BufferedEvent> held = new ArrayList<>(events.size());
    List<GraphEvent> decoded = new ArrayList<>(events.size());
    List<BadRecord> bad = new ArrayList<>();
    int partition = batch.partition().partition();
    for (BufferedEvent event : events) {
      LogRecordDecoder.Decoded record = decoder.decode(event.value(), partition, event.offset());
      if (record instanceof LogRecordDecoder.Event mapped
          && mapped.event().graph().equals(batch.graph())) {
        held.add(event);
        decoded.add(mapped.event());
      } else {
        bad.add(
            new BadRecord(
                event,
                record instanceof LogRecordDecoder.Bad why
                    ? why.reason()
                    : "not an event of graph " + batch.graph()));
      }
    }
    Map<Long, SideOutputs.Live> live = new HashMap<>();
    List<Unrecorded> unrecorded = new ArrayList<>();
    int start = 0;
    while (start < decoded.size()) {
      int end = segmentEnd(decoded, start);
      List<BufferedEvent> segment = held.subList(start, end);
      List<GraphEvent> engineEvents = new ArrayList<>(decoded.subList(start, end));
      long applyStarted = System.nanoTime();
      BatchResult result = engine.apply(graph, engineEvents);
      long applyNanos = System.nanoTime() - applyStarted;
      if (result.events().size() != segment.size()) {
        throw new IllegalStateException(
            "engine returned "
                + result.events().size()
                + " results for "
                + segment.size()
                + " events of graph "
                + graph);
      }
      SideOutputs.Live outcome = count(batch, segment, engineEvents, result, applyNanos);
      Set<Long> recorded = new HashSet<>();
      if (result.published()) {
        live.put(result.manifestVersion(), outcome);
        Manifest manifest = engine.manifest(graph, result.manifestVersion());
        manifest.commit().rejected().forEach(r -> recorded.add(r.offset()));
        listener.published(
            batch.graph(), result.manifestVersion(), manifest.time(), outcome.oldestTimestamp());
      }
      for (int i = 0; i < segment.size(); i++) {
        EventResult r = result.events().get(i);
        if (r.status() == EventResult.Status.REJECTED
            && !recorded.contains(segment.get(i).offset())) {
          unrecorded.add(new Unrecorded(segment.get(i), engineEvents.get(i).eventId(), r));
        }
      }
      start = end;
    }
    counters.batches.addAndGet(batches.size());
    counters.applies.incrementAndGet();
    listener.batchesApplied(batch.graph(), events.size(), System.nanoTime() - started);
    return new Outcome(live, unrecorded, bad);
  }

  private static int segmentEnd(List<GraphEvent> events, int start) {
    if (isSchema(events.get(start))) {
      return start + 1;
    }
    int end = start;
    while (end < events.size() && !isSchema(events.get(end))) {
      end++;
    }
    return end;
  }

  private static boolean isSchema(GraphEvent event) {
    return event.body() instanceof EventBody.SchemaChange;
  }

  private SideOutputs.Live count(
      PendingBatch batch,
      List<BufferedEvent> segment,
      List<GraphEvent> decoded,
      BatchResult result,
      long applyNanos) {
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
          // DEBUG: a stream of bad events would flood the log; the DLQ and the stats count them.
          LOG.debug(
              "graph {}: event {} at {}@{} rejected: {} {}",
              batch.graph(),
              outcome.eventId(),
              batch.partition(),
              segment.get(i).offset(),
              outcome.code(),
              outcome.message());
        }
        default -> throw new IllegalStateException("unknown status " + outcome.status());
      }
    }
    counters.eventsApplied.addAndGet(applied);
    counters.eventsRejected.addAndGet(rejected);
    counters.eventsSkipped.addAndGet(skipped);
    listener.applied(batch.graph(), applied, skipped, applyNanos);
    Long oldest = null;
    for (GraphEvent event : decoded) {
      Long timestamp = event.timestamp();
      if (timestamp != null && (oldest == null || timestamp < oldest)) {
        oldest = timestamp;
      }
    }
    if (result.published()) {
      counters.lastPublish = clock.instant();
    }
    LOG.debug(
        "graph {}: {} events from {}@{} -> version {} ({} applied, {} rejected, {} skipped)",
        batch.graph(),
        segment.size(),
        batch.partition(),
        segment.get(0).offset(),
        result.manifestVersion(),
        applied,
        rejected,
        skipped);
    return new SideOutputs.Live(skipped, oldest);
  }
}
