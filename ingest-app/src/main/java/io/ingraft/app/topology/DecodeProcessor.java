package io.ingraft.app.topology;

import io.ingraft.app.LogFields;
import io.ingraft.app.dlq.RecordLimits;
import io.ingraft.app.topology.Decoded.Accepted;
import io.ingraft.app.topology.Decoded.Rejected;
import io.ingraft.events.EventDecodeException;
import io.ingraft.events.GraphEventCodec;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.InvalidNameException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes a producer record (any of the three formats), checks its shape and turns it into the
 * LoggedEvent the graph log will hold, stamped with the record's own topic, partition and offset:
 * after the repartition that position is gone, so it must travel inside the value. A record that
 * fails becomes a {@link Rejected} with the original value and the dead-letter headers.
 *
 * <p>In keyed-by-graph mode (no repartition) it also checks the producer's side of the bargain: the
 * record has a key, and sits in the partition Kafka's default partitioner picks for that key among
 * the configured partition count, so that every event of a graph reaches the one task that owns it.
 */
final class DecodeProcessor implements Processor<byte[], byte[], byte[], Decoded> {
  private static final Logger LOG = LoggerFactory.getLogger(DecodeProcessor.class);

  /**
   * Tries per record while the registry is unavailable. Small on purpose: the whole wait must stay
   * well inside the EOS transaction timeout (10 s by default in Streams).
   */
  static final int REGISTRY_ATTEMPTS = 2;

  static final Duration REGISTRY_BACKOFF = Duration.ofMillis(250);

  private final GraphEventCodec codec;

  /** The source topics' partition count in keyed-by-graph mode; 0 in the default mode. */
  private final int keyedPartitions;

  private final GraphLogCodec logCodec = new GraphLogCodec();
  private final TopologyListener listener;
  private ProcessorContext<byte[], Decoded> context;

  /** The default mode: a record without a key is accepted, the repartition keys it by graph. */
  DecodeProcessor(GraphEventCodec codec) {
    this(codec, 0);
  }

  /**
   * {@code keyedPartitions > 0}: keyed-by-graph mode, where every record must have its graph id as
   * key and sit in that key's default partition among {@code keyedPartitions}; 0: the default mode.
   */
  DecodeProcessor(GraphEventCodec codec, int keyedPartitions) {
    this(codec, keyedPartitions, TopologyListener.NONE);
  }

  /** As above, telling {@code listener} about every dead letter. */
  DecodeProcessor(GraphEventCodec codec, int keyedPartitions, TopologyListener listener) {
    if (keyedPartitions < 0) {
      throw new IllegalArgumentException("partitions must not be negative: " + keyedPartitions);
    }
    this.codec = codec;
    this.keyedPartitions = keyedPartitions;
    this.listener = listener;
  }

  /**
   * The partition Kafka's default partitioner gives a record with {@code key} (non-null) among
   * {@code partitions}: {@code toPositive(murmur2(key)) % partitions}, what producers and Kafka
   * Streams' sinks use for keyed records.
   */
  static int defaultPartition(byte[] key, int partitions) {
    return Utils.toPositive(Utils.murmur2(key)) % partitions;
  }

  @Override
  public void init(ProcessorContext<byte[], Decoded> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    // Always present: this node reads straight from the source topics.
    // No log fields per record: the few lines written about a record set them (fields()).
    process(record, context.recordMetadata().orElseThrow());
  }

  /** The log fields of a line about the record at {@code source}. */
  private static LogFields.Scope fields(String graph, RecordMetadata source) {
    return LogFields.scope(graph, source.topic() + "-" + source.partition(), source.offset());
  }

  private void process(Record<byte[], byte[]> record, RecordMetadata source) {
    // Before anything else: neither its graph-log record nor a dead letter with its bytes would
    // fit, and a failed send stops stage 1 on this record at every restart.
    long size = RecordLimits.sizeOf(record.key(), record.value(), record.headers());
    if (!RecordLimits.fits(size)) {
      rejectTooLarge(record, source, null, size);
      return;
    }
    GraphEvent event;
    try {
      event = decode(record.value(), source);
    } catch (EventDecodeException e) {
      reject(record, source, codeOf(e), e.getMessage(), null, null);
      return;
    }
    String graph = event.getGraph();
    String eventId = event.getEventId();
    // The codec checks the same rules; these checks stay because the storage module's GraphId is
    // the rule that matters (ids become paths), and the codec's copy of it could drift.
    try {
      GraphId.of(graph);
    } catch (InvalidNameException e) {
      reject(record, source, TopologyRejection.BAD_GRAPH_ID.name(), e.getMessage(), null, eventId);
      return;
    }
    if (eventId == null || eventId.isEmpty()) {
      reject(
          record,
          source,
          TopologyRejection.MISSING_EVENT_ID.name(),
          "the event has no event id",
          graph,
          null);
      return;
    }
    byte[] key = record.key();
    byte[] graphKey = graph.getBytes(StandardCharsets.UTF_8);
    if (key == null && keyedPartitions > 0) {
      reject(
          record,
          source,
          TopologyRejection.MISSING_RECORD_KEY.name(),
          "the record has no key;"
              + " stage 1 runs keyed by graph (ingraft.topology.keyed-by-graph), so it must be keyed"
              + " by its graph id \""
              + graph
              + "\"",
          graph,
          eventId);
      return;
    }
    if (key != null && !Arrays.equals(key, graphKey)) {
      reject(
          record,
          source,
          TopologyRejection.KEY_MISMATCH.name(),
          "the record key \""
              + new String(key, StandardCharsets.UTF_8)
              + "\" is not the event's graph id \""
              + graph
              + "\"",
          graph,
          eventId);
      return;
    }
    if (keyedPartitions > 0) {
      int expected = defaultPartition(key, keyedPartitions);
      if (source.partition() != expected) {
        reject(
            record,
            source,
            TopologyRejection.WRONG_PARTITION.name(),
            "graph \""
                + graph
                + "\" is in partition "
                + source.partition()
                + " of "
                + source.topic()
                + ", but the default partitioner puts its key in partition "
                + expected
                + " of "
                + keyedPartitions
                + "; stage 1 runs keyed by graph (ingraft.topology.keyed-by-graph)",
            graph,
            eventId);
        return;
      }
    }
    byte[] logged =
        logCodec.encodeLogged(
            record.value(), event, source.topic(), source.partition(), source.offset());
    long loggedSize = RecordLimits.sizeOf(graphKey, logged, null);
    if (!RecordLimits.fits(loggedSize)) {
      rejectTooLarge(record, source, graph, loggedSize);
      return;
    }
    RecordHeaders headers = new RecordHeaders();
    headers.add(BodyKind.HEADER, BodyKind.of(event).headerValue());
    // One new Record (each copies its headers), not two through withValue and withHeaders.
    context.forward(
        new Record<byte[], Decoded>(key, new Accepted(graph, logged), record.timestamp(), headers));
  }

  /**
   * The dead-letter code of a codec failure. A bad graph id or event id is reported with the
   * topology's own code whichever check caught it, so that one problem has one code on dashboards;
   * the codec's code and path stay in the message.
   */
  static String codeOf(EventDecodeException e) {
    return switch (e.path()) {
      case "graph" -> TopologyRejection.BAD_GRAPH_ID.name();
      case "eventId" -> TopologyRejection.MISSING_EVENT_ID.name();
      default -> e.code().name();
    };
  }

  private GraphEvent decode(byte[] value, RecordMetadata source) {
    for (int attempt = 1; ; attempt++) {
      try {
        return codec.decode(value);
      } catch (EventDecodeException e) {
        if (!e.code().retriable()) {
          throw e;
        }
        if (attempt >= REGISTRY_ATTEMPTS) {
          throw new RegistryUnavailableException(
              source.topic(), source.partition(), source.offset(), e);
        }
        try (LogFields.Scope fields = fields(null, source)) {
          LOG.warn(
              "schema registry unavailable decoding {}-{}@{} (attempt {} of {}): {}",
              source.topic(),
              source.partition(),
              source.offset(),
              attempt,
              REGISTRY_ATTEMPTS,
              e.problem());
        }
        pause(REGISTRY_BACKOFF);
      }
    }
  }

  private void reject(
      Record<byte[], byte[]> record,
      RecordMetadata source,
      String code,
      String message,
      String graph,
      String eventId) {
    if (LOG.isDebugEnabled()) {
      try (LogFields.Scope fields = fields(graph, source)) {
        LOG.debug(
            "dead-lettering {}-{}@{}: {} {}",
            source.topic(),
            source.partition(),
            source.offset(),
            code,
            message);
      }
    }
    context.forward(
        record
            .withValue((Decoded) new Rejected(record.value()))
            .withHeaders(
                DeadLetters.headers(
                    record.headers(),
                    code,
                    message,
                    source.topic(),
                    source.partition(),
                    source.offset(),
                    graph,
                    eventId)));
    listener.deadLettered(code);
  }

  /** A dead letter without the record's key, value and headers: they are what does not fit. */
  private void rejectTooLarge(
      Record<byte[], byte[]> record, RecordMetadata source, String graph, long size) {
    String where = source.topic() + "-" + source.partition() + "@" + source.offset();
    try (LogFields.Scope fields = fields(graph, source)) {
      LOG.warn("dead-lettering {}: {} bytes, too large to forward", where, size);
    }
    context.forward(
        new Record<byte[], Decoded>(
            null,
            new Rejected(new byte[0]),
            record.timestamp(),
            DeadLetters.headers(
                null,
                TopologyRejection.RECORD_TOO_LARGE.name(),
                RecordLimits.tooLarge(size, where),
                source.topic(),
                source.partition(),
                source.offset(),
                null,
                null)));
  }

  private static void pause(Duration backoff) {
    try {
      Thread.sleep(backoff.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
