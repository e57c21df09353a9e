package io.ingraft.events;

import io.ingraft.events.avro.GraphEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumReader;

/**
 * Reads and writes {@link GraphEvent}s in the three {@link EventFormat}s. Decoding detects the
 * format from the first bytes and checks the event against the shape rules of docs/events.md in
 * every format; any problem is an {@link EventDecodeException} with a stable code, never another
 * exception. The Confluent format needs a {@link SchemaRegistry} and the subject to register under
 * ({@code <topic>-value}); without one, Confluent-framed input is UNSUPPORTED_FORMAT. Instances are
 * thread-safe.
 */
public final class GraphEventCodec {
  private final AvroBinary<GraphEvent> avro =
      new AvroBinary<>(GraphEvent.getClassSchema(), GraphEvent.getEncoder());
  private final StrictJson json = new StrictJson();
  private final SchemaRegistry registry;
  private final String subject;

  /** Readers by writer schema id; only ids the registry resolved are kept, so it stays small. */
  private final ConcurrentMap<Integer, DatumReader<GraphEvent>> readersById =
      new ConcurrentHashMap<>();

  private volatile Integer registeredId;

  /** A codec for Avro single-object encoding and JSON only. */
  public GraphEventCodec() {
    this.registry = null;
    this.subject = null;
  }

  /** A codec that also reads and writes the Confluent wire format against {@code registry}. */
  public GraphEventCodec(SchemaRegistry registry, String subject) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.subject = Objects.requireNonNull(subject, "subject");
  }

  /** The Avro schema of every GraphEvent this codec writes (and the reader schema). */
  public static Schema schema() {
    return GraphEvent.getClassSchema();
  }

  /**
   * Decodes a record value in any of the three formats.
   *
   * @throws EventDecodeException for any input that is not a valid event
   */
  public GraphEvent decode(byte[] value) {
    EventFormat format = EventFormat.detect(value).orElseThrow(() -> notAnEvent(value));
    GraphEvent event =
        switch (format) {
          case AVRO -> avro.decodeSingleObject(value);
          case CONFLUENT -> decodeConfluent(value);
          case JSON -> GraphEventJson.read(json.parseObject(value), "");
        };
    GraphEventRules.check(event, "");
    return event;
  }

  /**
   * Decodes a record value and checks that the record's key is the event's graph id (UTF-8), as
   * every producer must key its records.
   *
   * @throws EventDecodeException KEY_MISMATCH when the key is absent or another graph's id
   */
  public GraphEvent decode(byte[] key, byte[] value) {
    GraphEvent event = decode(value);
    byte[] expected = event.getGraph().getBytes(StandardCharsets.UTF_8);
    if (key == null) {
      throw new EventDecodeException(
          DecodeError.KEY_MISMATCH,
          "",
          "the record has no key; it must be the graph id \"" + event.getGraph() + "\"");
    }
    if (!Arrays.equals(key, expected)) {
      throw new EventDecodeException(
          DecodeError.KEY_MISMATCH,
          "",
          "the record key "
              + GraphEventRules.quote(new String(key, StandardCharsets.UTF_8))
              + " is not the event's graph id \""
              + event.getGraph()
              + "\"");
    }
    return event;
  }

  /**
   * Encodes {@code event} in {@code format}, after checking it with the same rules as decoding.
   *
   * @throws IllegalArgumentException if the event breaks a rule (the message says which)
   * @throws IllegalStateException for {@link EventFormat#CONFLUENT} without a registry
   * @throws SchemaRegistryException if the schema cannot be registered
   */
  public byte[] encode(GraphEvent event, EventFormat format) {
    Objects.requireNonNull(event, "event");
    try {
      GraphEventRules.check(event, "");
    } catch (EventDecodeException e) {
      throw new IllegalArgumentException("invalid event: " + e.getMessage(), e);
    }
    return switch (format) {
      case AVRO -> avro.encodeSingleObject(event);
      case CONFLUENT -> avro.encodeBody(confluentHeader(registeredId()), event);
      case JSON -> json.write(GraphEventJson.write(event));
    };
  }

  private int registeredId() {
    if (registry == null) {
      throw new IllegalStateException("the Confluent format needs a schema registry");
    }
    Integer id = registeredId;
    if (id == null) {
      // Two threads may both register: the registry answers the same id for the same schema.
      id = registry.register(subject, avro.schema());
      registeredId = id;
    }
    return id;
  }

  private GraphEvent decodeConfluent(byte[] value) {
    if (registry == null) {
      throw new EventDecodeException(
          DecodeError.UNSUPPORTED_FORMAT,
          "",
          "Confluent wire format, but no schema registry is configured");
    }
    if (value.length < EventFormat.CONFLUENT_HEADER_LENGTH) {
      throw new EventDecodeException(
          DecodeError.BAD_AVRO,
          "",
          "Confluent header is "
              + EventFormat.CONFLUENT_HEADER_LENGTH
              + " bytes, the record has "
              + value.length);
    }
    int id = ByteBuffer.wrap(value, 1, 4).getInt();
    DatumReader<GraphEvent> reader = readersById.get(id);
    if (reader == null) {
      reader = avro.readerFor(writerSchema(registry, id));
      readersById.putIfAbsent(id, reader);
    }
    return avro.decodeBody(reader, value, EventFormat.CONFLUENT_HEADER_LENGTH);
  }

  static Schema writerSchema(SchemaRegistry registry, int id) {
    try {
      return registry.schemaById(id);
    } catch (SchemaRegistryException e) {
      throw switch (e.kind()) {
        case NOT_FOUND ->
            new EventDecodeException(
                DecodeError.UNKNOWN_SCHEMA_ID,
                "",
                "schema id " + id + " is not in the registry",
                e);
        case NOT_AVRO ->
            new EventDecodeException(
                DecodeError.INCOMPATIBLE_SCHEMA,
                "",
                "schema id " + id + " is not an Avro schema",
                e);
        default ->
            new EventDecodeException(
                DecodeError.REGISTRY_UNAVAILABLE,
                "",
                "cannot fetch schema id " + id + ": " + e.getMessage(),
                e);
      };
    } catch (RuntimeException e) {
      // A registry implementation other than ours may throw anything; the record is not at fault.
      throw new EventDecodeException(
          DecodeError.REGISTRY_UNAVAILABLE, "", "cannot fetch schema id " + id + ": " + e, e);
    }
  }

  static byte[] confluentHeader(int id) {
    return ByteBuffer.allocate(EventFormat.CONFLUENT_HEADER_LENGTH)
        .put(EventFormat.CONFLUENT_MAGIC)
        .putInt(id)
        .array();
  }

  static EventDecodeException notAnEvent(byte[] value) {
    if (value == null || value.length == 0) {
      return new EventDecodeException(DecodeError.NOT_AN_EVENT, "", "the record value is empty");
    }
    StringBuilder head = new StringBuilder();
    for (int i = 0; i < Math.min(8, value.length); i++) {
      head.append(String.format("%02x ", value[i] & 0xFF));
    }
    return new EventDecodeException(
        DecodeError.NOT_AN_EVENT,
        "",
        "the value starts with "
            + head.toString().trim()
            + ", which is neither Avro single-object (c3 01), Confluent (00)"
            + " nor a JSON object");
  }
}
