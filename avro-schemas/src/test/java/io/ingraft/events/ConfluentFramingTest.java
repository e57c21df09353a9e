package io.ingraft.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ingraft.events.avro.GraphEvent;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfluentFramingTest {
  private static final String SUBJECT = EventTopics.valueSubject(EventTopics.MUTATIONS);

  private FakeRegistryServer server;
  private GraphEventCodec codec;

  @BeforeEach
  void start() throws Exception {
    server = new FakeRegistryServer();
    codec =
        new GraphEventCodec(new RestSchemaRegistry(server.uri(), Duration.ofSeconds(5)), SUBJECT);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  static Stream<Arguments> samples() {
    return SampleEvents.all().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void roundTrips(String name, GraphEvent event) {
    byte[] bytes = codec.encode(event, EventFormat.CONFLUENT);
    assertThat(EventFormat.detect(bytes)).contains(EventFormat.CONFLUENT);
    assertThat(codec.decode(bytes)).isEqualTo(event);
  }

  @Test
  void registersOnceAndFramesWithTheId() {
    GraphEvent event = SampleEvents.all().get("insertEdge");
    byte[] first = codec.encode(event, EventFormat.CONFLUENT);
    byte[] second = codec.encode(event, EventFormat.CONFLUENT);
    assertThat(second).isEqualTo(first);
    assertThat(first[0]).isEqualTo((byte) 0);
    assertThat(ByteBuffer.wrap(first, 1, 4).getInt()).isEqualTo(1);
    assertThat(server.requests())
        .containsExactly(
            "POST /subjects/ingraft.mutations-value/versions (ingraft.mutations-value)");
    assertThat(server.contentTypes()).containsOnly(RestSchemaRegistry.CONTENT_TYPE);

    // The body after the 5-byte header is the plain Avro binary, as Confluent clients write it.
    byte[] avro = new GraphEventCodec().encode(event, EventFormat.AVRO);
    assertThat(Arrays.copyOfRange(first, 5, first.length))
        .isEqualTo(Arrays.copyOfRange(avro, 10, avro.length));
  }

  @Test
  void aSecondCodecFetchesTheSchemaByIdOnceThenCaches() throws Exception {
    byte[] bytes = codec.encode(SampleEvents.all().get("deleteNode"), EventFormat.CONFLUENT);
    GraphEventCodec reader = new GraphEventCodec(new RestSchemaRegistry(server.uri()), SUBJECT);
    for (int i = 0; i < 3; i++) {
      assertThat(reader.decode(bytes).getEventId()).isEqualTo("e4");
    }
    assertThat(server.requests())
        .filteredOn(r -> r.startsWith("GET"))
        .containsExactly("GET /schemas/ids/1");
  }

  @Test
  void readsAnOlderCompatibleWriterSchemaByResolution() throws Exception {
    // A writer schema with an extra field the reader does not know: resolution skips it.
    Schema writer = withExtraField(GraphEvent.getClassSchema());
    int id = server.add(writer.toString(), null);
    GenericRecord record = new GenericData.Record(writer);
    Schema schemaBody = writer.getField("body").schema().getTypes().get(0);
    GenericRecord body = new GenericData.Record(schemaBody);
    body.put("source", "node A { k: String @key }");
    record.put("graph", "g1");
    record.put("eventId", "e1");
    record.put("timestamp", null);
    record.put("body", body);
    record.put("producer", "python-7");
    byte[] bytes = frame(id, writer, record);

    GraphEvent event = codec.decode(bytes);
    assertThat(event.getGraph()).isEqualTo("g1");
    assertThat(event.getBody()).hasToString("{\"source\": \"node A { k: String @key }\"}");
  }

  @Test
  void readsEveryEventWrittenWithAForeignWriterSchema() throws Exception {
    // What a non-Java producer registers: no Java string hints, no docs, plus a field of its own.
    Schema foreign =
        withExtraField(
            new Schema.Parser()
                .parse(SchemaNormalization.toParsingForm(GraphEvent.getClassSchema())));
    int id = server.add(foreign.toString(), null);
    GraphEventCodec plain = new GraphEventCodec();
    for (GraphEvent event : SampleEvents.all().values()) {
      byte[] avro = plain.encode(event, EventFormat.AVRO);
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      out.write(GraphEventCodec.confluentHeader(id));
      out.write(avro, 10, avro.length - 10);
      out.write(new byte[] {4, 'p', 'y'}); // the extra string field: zigzag length 2, "py"
      assertThat(codec.decode(out.toByteArray())).isEqualTo(event);
    }
  }

  @Test
  void anIncompatibleWriterSchemaIsRefused() throws Exception {
    Schema other =
        SchemaBuilder.record("Other").namespace("x").fields().requiredString("graph").endRecord();
    int id = server.add(other.toString(), null);
    GenericRecord record = new GenericData.Record(other);
    record.put("graph", "g1");
    assertCode(frame(id, other, record), DecodeError.INCOMPATIBLE_SCHEMA);
  }

  @Test
  void aNonAvroSchemaIdIsRefused() {
    int id = server.add("syntax = \"proto3\"; message M {}", "PROTOBUF");
    assertCode(GraphEventCodec.confluentHeader(id), DecodeError.INCOMPATIBLE_SCHEMA);
  }

  @Test
  void anUnknownIdIsUnknownSchemaId() {
    byte[] bytes = codec.encode(SampleEvents.all().get("deleteNode"), EventFormat.CONFLUENT);
    ByteBuffer.wrap(bytes).putInt(1, 999);
    EventDecodeException e = assertCode(bytes, DecodeError.UNKNOWN_SCHEMA_ID);
    assertThat(e.code().retriable()).isFalse();
    assertThat(e.getCause())
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            cause -> {
              assertThat(cause.kind()).isEqualTo(SchemaRegistryException.Kind.NOT_FOUND);
              assertThat(cause.httpStatus()).isEqualTo(404);
              assertThat(cause.errorCode()).isEqualTo(40403);
            });
  }

  @Test
  void aRegistryThatIsDownIsRegistryUnavailable() throws Exception {
    int freePort;
    try (ServerSocket socket = new ServerSocket(0)) {
      freePort = socket.getLocalPort();
    }
    GraphEventCodec down =
        new GraphEventCodec(
            new RestSchemaRegistry(
                URI.create("http://127.0.0.1:" + freePort), Duration.ofSeconds(2)),
            SUBJECT);
    EventDecodeException e =
        catchThrowableOfType(
            EventDecodeException.class, () -> down.decode(GraphEventCodec.confluentHeader(1)));
    assertThat(e.code()).isEqualTo(DecodeError.REGISTRY_UNAVAILABLE);
    assertThat(e.code().retriable()).isTrue();
    assertThat(e.getCause())
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            cause -> assertThat(cause.kind()).isEqualTo(SchemaRegistryException.Kind.UNAVAILABLE));

    SchemaRegistryException encode =
        catchThrowableOfType(
            SchemaRegistryException.class,
            () -> down.encode(SampleEvents.all().get("deleteNode"), EventFormat.CONFLUENT));
    assertThat(encode.kind()).isEqualTo(SchemaRegistryException.Kind.UNAVAILABLE);
  }

  @Test
  void aFailingRegistryIsUnavailableNotTheRecordsFault() {
    server.forceAnswer(500, "{\"error_code\": 50001, \"message\": \"store error\"}");
    assertCode(GraphEventCodec.confluentHeader(1), DecodeError.REGISTRY_UNAVAILABLE);
    // A 404 without a registry error code is a wrong URL, not an unknown id.
    server.forceAnswer(404, "<html>not here</html>");
    EventDecodeException e =
        assertCode(GraphEventCodec.confluentHeader(1), DecodeError.REGISTRY_UNAVAILABLE);
    assertThat(((SchemaRegistryException) e.getCause()).kind())
        .isEqualTo(SchemaRegistryException.Kind.BAD_RESPONSE);
    server.forceAnswer(200, "{\"schema\": \"{not avro\"}");
    assertCode(GraphEventCodec.confluentHeader(1), DecodeError.REGISTRY_UNAVAILABLE);
    server.forceAnswer(401, "{\"error_code\": 40101, \"message\": \"Unauthorized\"}");
    e = assertCode(GraphEventCodec.confluentHeader(1), DecodeError.REGISTRY_UNAVAILABLE);
    assertThat(((SchemaRegistryException) e.getCause()).kind())
        .isEqualTo(SchemaRegistryException.Kind.REJECTED);
    // Once the registry recovers, the same record decodes: failures are not cached.
    server.forceAnswer(0, "");
    byte[] good = codec.encode(SampleEvents.all().get("deleteNode"), EventFormat.CONFLUENT);
    assertThat(codec.decode(good).getEventId()).isEqualTo("e4");
  }

  @Test
  void aRejectedRegistrationIsTyped() {
    server.forceAnswer(409, "{\"error_code\": 409, \"message\": \"incompatible\"}");
    SchemaRegistryException e =
        catchThrowableOfType(
            SchemaRegistryException.class,
            () -> codec.encode(SampleEvents.all().get("deleteNode"), EventFormat.CONFLUENT));
    assertThat(e.kind()).isEqualTo(SchemaRegistryException.Kind.REJECTED);
    assertThat(e.httpStatus()).isEqualTo(409);
  }

  @Test
  void aTruncatedConfluentRecordIsBadAvro() {
    byte[] bytes = codec.encode(SampleEvents.all().get("upsertNode"), EventFormat.CONFLUENT);
    assertCode(Arrays.copyOf(bytes, 3), DecodeError.BAD_AVRO);
    assertCode(Arrays.copyOf(bytes, bytes.length - 1), DecodeError.BAD_AVRO);
  }

  @Test
  void aBasePathIsKept() throws Exception {
    RestSchemaRegistry registry =
        new RestSchemaRegistry(URI.create(server.uri() + "/apis/ccompat/v7/"));
    EventDecodeException e =
        catchThrowableOfType(
            EventDecodeException.class, () -> GraphEventCodec.writerSchema(registry, 1));
    assertThat(server.requests()).containsExactly("GET /apis/ccompat/v7/schemas/ids/1");
    assertThat(e.code()).isEqualTo(DecodeError.REGISTRY_UNAVAILABLE);
  }

  private EventDecodeException assertCode(byte[] bytes, DecodeError code) {
    EventDecodeException e =
        catchThrowableOfType(EventDecodeException.class, () -> codec.decode(bytes));
    assertThat(e).as("decoding must fail").isNotNull();
    assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
    return e;
  }

  private static Schema withExtraField(Schema schema) {
    String json = schema.toString();
    String extra = "{\"name\":\"producer\",\"type\":\"string\"}]}";
    return new Schema.Parser().parse(json.substring(0, json.length() - 2) + "," + extra);
  }

  private static byte[] frame(int id, Schema writer, GenericRecord record) throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(GraphEventCodec.confluentHeader(id));
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(writer).write(record, encoder);
    encoder.flush();
    return out.toByteArray();
  }
}
