package io.ingraft.it.pipeline;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.ingraft.events.EventFormat;
import io.ingraft.events.avro.GraphEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;

/**
 * The producer side of an end-to-end suite: sends events and raw records through a {@link
 * PipelineRig}, keeps an {@link ExpectedGraph} per graph up to date with the events that must
 * apply, remembers where each record landed, and counts what the writer must process.
 *
 * <p>Order: the pipeline keeps a graph's order only within one source partition, so a graph's
 * records between two {@link #awaitPhase()} calls must all go to one topic (they share the graph-id
 * key, hence one partition). Events of different graphs, and one graph's events across phases, may
 * use different topics. The references are updated in send order, which is then each graph's log
 * order.
 */
final class Scenario {
  /** A record as produced: the event (null for raw bytes), its format, bytes and position. */
  static final class Sent {
    final String topic;
    final GraphEvent event;
    final EventFormat format;
    final byte[] key;
    final byte[] value;
    private final Future<RecordMetadata> future;
    int partition = -1;
    long offset = -1;

    Sent(
        String topic,
        GraphEvent event,
        EventFormat format,
        byte[] key,
        byte[] value,
        Future<RecordMetadata> future) {
      this.topic = topic;
      this.event = event;
      this.format = format;
      this.key = key;
      this.value = value;
      this.future = future;
    }

    String eventId() {
      return event == null ? null : event.getEventId();
    }

    @Override
    public String toString() {
      return (event == null ? "raw record" : event.getGraph() + "/" + event.getEventId())
          + " on "
          + topic
          + "-"
          + partition
          + "@"
          + offset;
    }
  }

  private final PipelineRig rig;
  final Map<String, ExpectedGraph> expected = new TreeMap<>();

  /** Events that must apply, by graph, in each graph's order. */
  final Map<String, List<Sent>> applied = new TreeMap<>();

  /** Events the writer must reject (dead letters of stage {@code writer}). */
  final List<Sent> rejected = new ArrayList<>();

  /** Everything sent, in send order. */
  final List<Sent> all = new ArrayList<>();

  private final List<Sent> unresolved = new ArrayList<>();
  private long toProcess;
  private int eventsSent;

  Scenario(PipelineRig rig) {
    this.rig = rig;
  }

  ExpectedGraph graph(String graph) {
    return expected.computeIfAbsent(graph, ExpectedGraph::new);
  }

  /**
   * Sends an event that must apply, alternating JSON and Avro single-object encodings from one
   * event to the next.
   */
  Sent good(String topic, GraphEvent event) {
    return good(topic, event, nextFormat());
  }

  /** Sends an event that must apply, in {@code format}. */
  Sent good(String topic, GraphEvent event, EventFormat format) {
    Sent sent = send(topic, event, format);
    graph(event.getGraph()).apply(event);
    applied.computeIfAbsent(event.getGraph(), g -> new ArrayList<>()).add(sent);
    toProcess++;
    return sent;
  }

  /** Sends an event that passes stage 1 and that the engine must reject. */
  Sent rejectedByWriter(String topic, GraphEvent event, EventFormat format) {
    Sent sent = send(topic, event, format);
    rejected.add(sent);
    toProcess++;
    return sent;
  }

  /** Sends raw bytes (which stage 1 must dead-letter) with an optional key and headers. */
  Sent raw(String topic, byte[] key, byte[] value, Headers headers) {
    Sent sent = new Sent(topic, null, null, key, value, rig.sendRaw(topic, key, value, headers));
    track(sent);
    return sent;
  }

  /** Raw bytes keyed by a graph id. */
  Sent raw(String topic, String key, byte[] value) {
    return raw(topic, key == null ? null : key.getBytes(UTF_8), value, null);
  }

  private Sent send(String topic, GraphEvent event, EventFormat format) {
    byte[] value = rig.encode(event, format);
    byte[] key = event.getGraph().getBytes(UTF_8);
    Sent sent = new Sent(topic, event, format, key, value, rig.sendRaw(topic, key, value, null));
    track(sent);
    return sent;
  }

  private void track(Sent sent) {
    all.add(sent);
    unresolved.add(sent);
  }

  private EventFormat nextFormat() {
    return eventsSent++ % 2 == 0 ? EventFormat.JSON : EventFormat.AVRO;
  }

  /** How many events must have been applied so far. */
  long toApply() {
    return applied.values().stream().mapToLong(List::size).sum();
  }

  /** Learns where every record sent so far landed. */
  void resolve() {
    rig.flush();
    for (Sent sent : unresolved) {
      RecordMetadata m = PipelineRig.await(sent.future);
      sent.partition = m.partition();
      sent.offset = m.offset();
    }
    unresolved.clear();
  }

  /**
   * Ends a phase: waits until every record is on the broker and the writer has processed every
   * event sent so far (so the next phase may use other topics without reordering a graph).
   */
  void awaitPhase() {
    resolve();
    rig.awaitProcessed(toProcess);
  }

  /** Every sent event by {@code graph/eventId}. */
  Map<String, Sent> byEventId() {
    Map<String, Sent> out = new LinkedHashMap<>();
    for (Sent sent : all) {
      if (sent.event != null) {
        out.put(sent.event.getGraph() + "/" + sent.event.getEventId(), sent);
      }
    }
    return out;
  }
}
