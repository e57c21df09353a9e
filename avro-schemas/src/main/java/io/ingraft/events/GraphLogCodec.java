package io.ingraft.events;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ingraft.events.avro.CdcMark;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.events.avro.Seal;
import io.ingraft.events.avro.SealReason;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Reads and writes the records of the canonical log {@code ingraft.graph-log}: a logged event (the
 * event and the topic, partition and offset stage 1 read it from) or a seal that closes a batch.
 * Avro single-object encoding and JSON only, since only Ingraft writes this topic. Decoding checks
 * the embedded event with the same rules as {@link GraphEventCodec}, and throws nothing but {@link
 * EventDecodeException}. Thread-safe.
 */
public final class GraphLogCodec {
  private static final Set<String> ROOT_FIELDS = Set.of("logged", "seal");
  private static final Set<String> LOGGED_FIELDS =
      Set.of("sourceTopic", "sourcePartition", "sourceOffset", "event", "cdc");
  private static final Set<String> CDC_FIELDS =
      Set.of("source", "lsn", "txId", "commitTimeMs", "snapshotInProgress");
  private static final Set<String> SEAL_FIELDS =
      Set.of("graph", "sequence", "eventCount", "reason");

  private final AvroBinary<GraphLogRecord> avro =
      new AvroBinary<>(GraphLogRecord.getClassSchema(), GraphLogRecord.getEncoder());
  private final AvroBinary<GraphEvent> eventAvro =
      new AvroBinary<>(GraphEvent.getClassSchema(), GraphEvent.getEncoder());
  private final byte[] header = avro.singleObjectHeader();
  private final StrictJson json = new StrictJson();

  /** A topic name and its UTF-8 bytes; final fields, so sharing it between threads is safe. */
  private static final class TopicBytes {
    final String topic;
    final byte[] bytes;

    TopicBytes(String topic, byte[] bytes) {
      this.topic = topic;
      this.bytes = bytes;
    }
  }

  /** The last source topic {@link #encodeLogged} wrote (a benign race: any value is right). */
  private volatile TopicBytes lastTopic;

  /** A log record for {@code event}, read at {@code offset} of {@code topic}-{@code partition}. */
  public static GraphLogRecord logged(GraphEvent event, String topic, int partition, long offset) {
    return new GraphLogRecord(new LoggedEvent(event, topic, partition, offset, null));
  }

  /**
   * A log record for {@code event} made from a change-data-capture record read at {@code offset} of
   * {@code topic}-{@code partition}, in the source transaction {@code cdc} describes.
   */
  public static GraphLogRecord logged(
      GraphEvent event, String topic, int partition, long offset, CdcMark cdc) {
    return new GraphLogRecord(new LoggedEvent(event, topic, partition, offset, cdc));
  }

  /** A seal closing batch {@code sequence} of {@code graph} after {@code eventCount} events. */
  public static GraphLogRecord seal(
      String graph, long sequence, int eventCount, SealReason reason) {
    return new GraphLogRecord(new Seal(graph, sequence, eventCount, reason));
  }

  /** The graph a log record belongs to: the event's graph or the seal's. */
  public static String graphOf(GraphLogRecord record) {
    return record.getEntry() instanceof Seal seal
        ? seal.getGraph()
        : ((LoggedEvent) record.getEntry()).getEvent().getGraph();
  }

  /**
   * Decodes a log record value (Avro single-object or JSON).
   *
   * @throws EventDecodeException for any input that is not a valid log record
   */
  public GraphLogRecord decode(byte[] value) {
    EventFormat format =
        EventFormat.detect(value).orElseThrow(() -> GraphEventCodec.notAnEvent(value));
    GraphLogRecord record =
        switch (format) {
          case AVRO -> avro.decodeSingleObject(value);
          case JSON -> read(json.parseObject(value));
          case CONFLUENT ->
              throw new EventDecodeException(
                  DecodeError.UNSUPPORTED_FORMAT,
                  "",
                  "the graph log is Avro single-object or JSON, not the Confluent wire format");
        };
    check(record);
    return record;
  }

  /**
   * The Avro single-object log record of an event read at {@code offset} of {@code topic}-{@code
   * partition}: the same bytes as {@code encode(logged(event, topic, partition, offset),
   * EventFormat.AVRO)}, made cheaply when the producer's {@code value} is itself Avro single-object
   * in this version's GraphEvent schema: a logged event's binary form is the event's binary form
   * followed by its source position, so the producer's body is copied rather than the event encoded
   * again. Stage 1 calls this for every event; {@code value} must be the bytes {@link
   * GraphEventCodec#decode} turned into {@code event} (which checked it), since in the fast path
   * only they are written.
   *
   * @throws IllegalArgumentException if the source position breaks a rule
   */
  public byte[] encodeLogged(
      byte[] value, GraphEvent event, String topic, int partition, long offset) {
    if (!eventAvro.isSingleObjectOfThisSchema(value)) {
      return encode(logged(event, topic, partition, offset), EventFormat.AVRO);
    }
    if (topic == null || topic.isEmpty() || partition < 0 || offset < 0) {
      throw new IllegalArgumentException(
          "invalid source position " + topic + "-" + partition + "@" + offset);
    }
    int bodyLength = value.length - EventFormat.AVRO_HEADER_LENGTH;
    byte[] topicBytes = topicBytes(topic);
    // Written straight into an array of the exact size (Avro's binary encoding by hand: zig-zag
    // varints, a string as its length and UTF-8 bytes): no stream, encoder or final copy.
    int size =
        header.length
            + 1
            + bodyLength
            + varLongSize(topicBytes.length)
            + topicBytes.length
            + varLongSize(partition)
            + varLongSize(offset)
            + 1;
    byte[] out = new byte[size];
    int at = 0;
    System.arraycopy(header, 0, out, at, header.length);
    at += header.length;
    out[at++] = 0; // the union branch of GraphLogRecord.entry: LoggedEvent
    System.arraycopy(value, EventFormat.AVRO_HEADER_LENGTH, out, at, bodyLength);
    at += bodyLength;
    at = writeVarLong(topicBytes.length, out, at);
    System.arraycopy(topicBytes, 0, out, at, topicBytes.length);
    at += topicBytes.length;
    at = writeVarLong(partition, out, at);
    at = writeVarLong(offset, out, at);
    out[at] = 0; // cdc: null (events from the producer topics have none)
    return out;
  }

  /** UTF-8 of {@code topic}, kept for the next call: a stage 1 task reads one or two topics. */
  private byte[] topicBytes(String topic) {
    TopicBytes last = lastTopic;
    if (last == null || !last.topic.equals(topic)) {
      last = new TopicBytes(topic, topic.getBytes(StandardCharsets.UTF_8));
      lastTopic = last;
    }
    return last.bytes;
  }

  /** Bytes of Avro's zig-zag varint of {@code n} (an int is written as the same long). */
  static int varLongSize(long n) {
    long zigzag = (n << 1) ^ (n >> 63);
    int size = 1;
    while ((zigzag & ~0x7FL) != 0) {
      zigzag >>>= 7;
      size++;
    }
    return size;
  }

  /** Writes Avro's zig-zag varint of {@code n} at {@code at}; returns the index after it. */
  static int writeVarLong(long n, byte[] out, int at) {
    long zigzag = (n << 1) ^ (n >> 63);
    while ((zigzag & ~0x7FL) != 0) {
      out[at++] = (byte) ((zigzag & 0x7F) | 0x80);
      zigzag >>>= 7;
    }
    out[at++] = (byte) zigzag;
    return at;
  }

  /**
   * Encodes {@code record} as Avro single-object or JSON.
   *
   * @throws IllegalArgumentException for the Confluent format or a record that breaks a rule
   */
  public byte[] encode(GraphLogRecord record, EventFormat format) {
    Objects.requireNonNull(record, "record");
    try {
      check(record);
    } catch (EventDecodeException e) {
      throw new IllegalArgumentException("invalid graph-log record: " + e.getMessage(), e);
    }
    return switch (format) {
      case AVRO -> avro.encodeSingleObject(record);
      case JSON -> json.write(write(record));
      case CONFLUENT ->
          throw new IllegalArgumentException(
              "the graph log is written as Avro single-object or JSON");
    };
  }

  private static GraphLogRecord read(ObjectNode root) {
    JsonFields fields = JsonFields.of(root, "");
    fields.allowOnly(ROOT_FIELDS, "a graph-log record");
    boolean logged = fields.has("logged");
    boolean seal = fields.has("seal");
    if (logged == seal) {
      throw new EventDecodeException(
          logged ? DecodeError.BAD_FIELD : DecodeError.MISSING_FIELD,
          logged ? "seal" : "",
          "a graph-log record is exactly one of logged or seal");
    }
    if (logged) {
      JsonFields entry = JsonFields.of(fields.optional("logged"), "logged");
      entry.allowOnly(LOGGED_FIELDS, "a logged event");
      String topic = entry.requiredString("sourceTopic");
      int partition = entry.requiredInt("sourcePartition");
      long offset = entry.requiredLong("sourceOffset");
      GraphEvent event = GraphEventJson.read(entry.required("event"), entry.at("event"));
      CdcMark cdc = null;
      if (entry.has("cdc")) {
        JsonFields mark = JsonFields.of(entry.optional("cdc"), entry.at("cdc"));
        mark.allowOnly(CDC_FIELDS, "a CDC mark");
        cdc =
            new CdcMark(
                mark.requiredString("source"),
                mark.requiredLong("lsn"),
                mark.requiredString("txId"),
                mark.requiredLong("commitTimeMs"),
                mark.requiredBoolean("snapshotInProgress"));
      }
      return new GraphLogRecord(new LoggedEvent(event, topic, partition, offset, cdc));
    }
    JsonFields entry = JsonFields.of(fields.optional("seal"), "seal");
    entry.allowOnly(SEAL_FIELDS, "a seal");
    String graph = entry.requiredString("graph");
    long sequence = entry.requiredLong("sequence");
    int eventCount = entry.requiredInt("eventCount");
    String reasonName = entry.requiredString("reason");
    SealReason reason = null;
    for (SealReason candidate : SealReason.values()) {
      if (candidate.name().toLowerCase(Locale.ROOT).equals(reasonName)) {
        reason = candidate;
      }
    }
    if (reason == null) {
      throw new EventDecodeException(
          DecodeError.BAD_FIELD,
          entry.at("reason"),
          "unknown reason "
              + GraphEventRules.quote(reasonName)
              + "; expected count, bytes, linger, load, schema or transaction");
    }
    return new GraphLogRecord(new Seal(graph, sequence, eventCount, reason));
  }

  private static ObjectNode write(GraphLogRecord record) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    if (record.getEntry() instanceof LoggedEvent logged) {
      ObjectNode entry = root.putObject("logged");
      entry.put("sourceTopic", logged.getSourceTopic());
      entry.put("sourcePartition", logged.getSourcePartition());
      entry.put("sourceOffset", logged.getSourceOffset());
      entry.set("event", GraphEventJson.write(logged.getEvent()));
      CdcMark cdc = logged.getCdc();
      if (cdc != null) {
        ObjectNode mark = entry.putObject("cdc");
        mark.put("source", cdc.getSource());
        mark.put("lsn", cdc.getLsn());
        mark.put("txId", cdc.getTxId());
        mark.put("commitTimeMs", cdc.getCommitTimeMs());
        mark.put("snapshotInProgress", cdc.getSnapshotInProgress());
      }
    } else {
      Seal seal = (Seal) record.getEntry();
      ObjectNode entry = root.putObject("seal");
      entry.put("graph", seal.getGraph());
      entry.put("sequence", seal.getSequence());
      entry.put("eventCount", seal.getEventCount());
      entry.put("reason", seal.getReason().name().toLowerCase(Locale.ROOT));
    }
    return root;
  }

  private static void check(GraphLogRecord record) {
    Object entry = record.getEntry();
    if (entry instanceof LoggedEvent logged) {
      if (logged.getEvent() == null) {
        throw GraphEventRules.missing("logged.event", "a logged event needs its event");
      }
      GraphEventRules.check(logged.getEvent(), "logged.event");
      if (logged.getSourceTopic() == null || logged.getSourceTopic().isEmpty()) {
        throw GraphEventRules.bad("logged.sourceTopic", "sourceTopic cannot be empty");
      }
      nonNegative(logged.getSourcePartition(), "logged.sourcePartition");
      nonNegative(logged.getSourceOffset(), "logged.sourceOffset");
      CdcMark cdc = logged.getCdc();
      if (cdc != null) {
        if (cdc.getSource() == null || cdc.getSource().isEmpty()) {
          throw GraphEventRules.bad("logged.cdc.source", "a CDC mark needs its source name");
        }
        if (cdc.getTxId() == null) {
          throw GraphEventRules.missing("logged.cdc.txId", "a CDC mark needs its transaction id");
        }
        nonNegative(cdc.getLsn(), "logged.cdc.lsn");
      }
    } else if (entry instanceof Seal seal) {
      GraphEventRules.graphId(seal.getGraph(), "seal.graph");
      nonNegative(seal.getSequence(), "seal.sequence");
      nonNegative(seal.getEventCount(), "seal.eventCount");
      if (seal.getReason() == null) {
        throw GraphEventRules.missing("seal.reason", "a seal needs a reason");
      }
    } else {
      throw GraphEventRules.missing("", "a graph-log record is exactly one of logged or seal");
    }
  }

  static void nonNegative(Number value, String path) {
    if (value == null) {
      throw GraphEventRules.missing(path, path + " is missing");
    }
    if (value.longValue() < 0) {
      throw GraphEventRules.bad(path, path + " cannot be negative, found " + value);
    }
  }
}
