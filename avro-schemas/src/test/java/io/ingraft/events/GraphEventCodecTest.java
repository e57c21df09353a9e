package io.ingraft.events;

import static io.ingraft.events.SampleEvents.mutation;
import static io.ingraft.events.SampleEvents.op;
import static io.ingraft.events.SampleEvents.props;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.OpKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GraphEventCodecTest {
  private final GraphEventCodec codec = new GraphEventCodec();

  static Stream<Arguments> samples() {
    return SampleEvents.all().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void roundTripsInAvro(String name, GraphEvent event) {
    byte[] bytes = codec.encode(event, EventFormat.AVRO);
    assertThat(EventFormat.detect(bytes)).contains(EventFormat.AVRO);
    assertThat(codec.decode(bytes)).isEqualTo(event);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void roundTripsInJson(String name, GraphEvent event) {
    byte[] bytes = codec.encode(event, EventFormat.JSON);
    assertThat(EventFormat.detect(bytes)).contains(EventFormat.JSON);
    assertThat(codec.decode(bytes)).isEqualTo(event);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void jsonOfTheAvroDecodingEqualsTheJsonEncoding(String name, GraphEvent event) throws Exception {
    // Avro maps come back as hash maps, so compare trees: JSON object member order is not data.
    GraphEvent viaAvro = codec.decode(codec.encode(event, EventFormat.AVRO));
    ObjectMapper mapper = new ObjectMapper();
    assertThat(mapper.readTree(codec.encode(viaAvro, EventFormat.JSON)))
        .isEqualTo(mapper.readTree(codec.encode(event, EventFormat.JSON)));
  }

  /**
   * Every string of a decoded event, map keys and values in lists included, is a java.lang.String
   * (not Avro's Utf8) and every record is the generated class: the engine looks properties up by
   * String and the reader is Avro's fast reader over our own data model, which must keep both.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void avroDecodingYieldsJavaStringsAndTheGeneratedClasses(String name, GraphEvent event) {
    GraphEvent decoded = codec.decode(codec.encode(event, EventFormat.AVRO));
    assertThat(decoded.getClass()).isEqualTo(GraphEvent.class);
    assertOnlyJavaStrings(decoded.getGraph(), "graph");
    assertOnlyJavaStrings(decoded.getEventId(), "eventId");
    Object body = decoded.getBody();
    if (body instanceof MutationBody mutation) {
      for (Op op : mutation.getOps()) {
        assertThat(op.getClass()).isEqualTo(Op.class);
        assertOnlyJavaStrings(op.getType(), "type");
        assertOnlyJavaStrings(op.getKey(), "key");
        assertOnlyJavaStrings(op.getFrom(), "from");
        assertOnlyJavaStrings(op.getTo(), "to");
        assertOnlyJavaStrings(op.getId(), "id");
        assertOnlyJavaStrings(op.getProps(), "props");
        assertOnlyJavaStrings(op.getSet(), "set");
      }
    } else if (body instanceof LoadBody load) {
      assertOnlyJavaStrings(load.getNodes(), "nodes");
      load.getEdges()
          .forEach(
              (type, rows) -> {
                assertOnlyJavaStrings(type, "edge type");
                rows.forEach(
                    row -> {
                      assertOnlyJavaStrings(row.getFrom(), "from");
                      assertOnlyJavaStrings(row.getTo(), "to");
                      assertOnlyJavaStrings(row.getProps(), "edge props");
                    });
              });
    }
  }

  private static void assertOnlyJavaStrings(Object value, String where) {
    if (value instanceof CharSequence text) {
      assertThat(text).as(where).isInstanceOf(String.class);
    } else if (value instanceof Map<?, ?> map) {
      map.forEach(
          (k, v) -> {
            assertOnlyJavaStrings(k, where + " key");
            assertOnlyJavaStrings(v, where + "." + k);
          });
    } else if (value instanceof List<?> list) {
      list.forEach(element -> assertOnlyJavaStrings(element, where + "[]"));
    }
  }

  @Test
  void singleObjectEncodingIsTheGeneratedEncodersAndReadableByAGenericReader() throws Exception {
    GraphEvent event = SampleEvents.all().get("upsertNode");
    byte[] ours = codec.encode(event, EventFormat.AVRO);
    ByteBuffer generated = GraphEvent.getEncoder().encode(event);
    byte[] theirs = new byte[generated.remaining()];
    generated.get(theirs);
    assertThat(ours).isEqualTo(theirs);

    long fingerprint = SchemaNormalization.parsingFingerprint64(GraphEvent.getClassSchema());
    byte[] header =
        ByteBuffer.allocate(10)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .put((byte) 0xC3)
            .put((byte) 0x01)
            .putLong(fingerprint)
            .array();
    assertThat(Arrays.copyOf(ours, 10)).isEqualTo(header);

    // A plain generic reader (no generated classes) reads the same bytes: what other clients see.
    GenericRecord generic =
        new BinaryMessageDecoder<GenericRecord>(GenericData.get(), GraphEvent.getClassSchema())
            .decode(ours);
    assertThat(generic.get("graph").toString()).isEqualTo("social");
    assertThat(generic.get("eventId").toString()).isEqualTo("e1");
  }

  @Test
  void decodesTheDocumentedJsonForm() {
    String json =
        """
        {"graph": "social", "eventId": "e-1", "timestamp": 1700000000000,
         "mutation": {"ops": [
           {"op": "upsertNode", "type": "Person",
            "props": {"name": "alice", "age": 33, "score": 0.5, "big": 9007199254740993,
                      "two": 2.0, "tags": ["x", 1], "nick": null}},
           {"op": "updateNode", "type": "Person", "key": "alice", "set": {"age": 34}},
           {"op": "deleteNode", "type": "Account", "key": 42},
           {"op": "insertEdge", "type": "Knows", "from": "alice", "to": "bob", "id": "k1"},
           {"op": "deleteEdge", "type": "Knows", "from": "alice", "to": "bob"},
           {"op": "deleteEdge", "type": "Knows", "id": "k1"}]}}
        """;
    GraphEvent event = codec.decode(json.getBytes(UTF_8));
    assertThat(event.getGraph()).isEqualTo("social");
    assertThat(event.getTimestamp()).isEqualTo(1_700_000_000_000L);
    List<Op> ops = ((MutationBody) event.getBody()).getOps();
    assertThat(ops)
        .extracting(Op::getOp)
        .containsExactly(
            OpKind.UPSERT_NODE,
            OpKind.UPDATE_NODE,
            OpKind.DELETE_NODE,
            OpKind.INSERT_EDGE,
            OpKind.DELETE_EDGE,
            OpKind.DELETE_EDGE);
    Map<String, Object> props = ops.get(0).getProps();
    // Integer JSON numbers become Long, all others Double; no precision is lost on the way.
    assertThat(props.get("age")).isEqualTo(33L);
    assertThat(props.get("big")).isEqualTo(9_007_199_254_740_993L);
    assertThat(props.get("score")).isEqualTo(0.5);
    assertThat(props.get("two")).isEqualTo(2.0);
    assertThat(props.get("tags")).isEqualTo(List.of("x", 1L));
    assertThat(props).containsEntry("nick", null);
    assertThat(ops.get(2).getKey()).isEqualTo(42L);
    assertThat(ops.get(3).getProps()).isNull();
    assertThat(ops.get(5).getId()).isEqualTo("k1");
  }

  @Test
  void decodesALoadWithFlattenedEdgeRows() {
    String json =
        """
        {"graph": "social", "eventId": "l-1", "load": {"mode": "merge",
          "nodes": {"Person": [{"name": "alice"}, {"name": "bob", "age": 40}]},
          "edges": {"Knows": [{"from": "alice", "to": "bob", "id": "k1", "since": 2019}]}}}
        """;
    LoadBody load = (LoadBody) codec.decode(json.getBytes(UTF_8)).getBody();
    assertThat(load.getMode()).isEqualTo(LoadMode.MERGE);
    assertThat(load.getNodes().get("Person")).hasSize(2);
    assertThat(load.getEdges().get("Knows").get(0).getId()).isEqualTo("k1");
    assertThat(load.getEdges().get("Knows").get(0).getProps()).isEqualTo(Map.of("since", 2019L));
    assertThat(load.getUri()).isNull();
  }

  @Test
  void acceptsLeadingWhitespaceAndAByteOrderMark() {
    byte[] json = codec.encode(SampleEvents.all().get("deleteNode"), EventFormat.JSON);
    byte[] padded = new byte[json.length + 5];
    padded[0] = (byte) 0xEF;
    padded[1] = (byte) 0xBB;
    padded[2] = (byte) 0xBF;
    padded[3] = '\n';
    padded[4] = ' ';
    System.arraycopy(json, 0, padded, 5, json.length);
    assertThat(codec.decode(padded)).isEqualTo(SampleEvents.all().get("deleteNode"));
  }

  @Test
  void avroCarriesIntFloatAndBytesWhichJsonTurnsIntoLongDoubleAndBase64() {
    GraphEvent event =
        mutation(
            "e-avro",
            op(
                OpKind.UPSERT_NODE,
                "Doc",
                null,
                null,
                null,
                null,
                props("id", 7, "ratio", 0.25f, "blob", ByteBuffer.wrap(new byte[] {1, 2, 3})),
                null));
    GraphEvent viaAvro = codec.decode(codec.encode(event, EventFormat.AVRO));
    assertThat(viaAvro).isEqualTo(event);
    Map<String, Object> props = ((MutationBody) viaAvro.getBody()).getOps().get(0).getProps();
    assertThat(props.get("id")).isEqualTo(7);
    assertThat(props.get("ratio")).isEqualTo(0.25f);

    byte[] json = codec.encode(event, EventFormat.JSON);
    assertThat(new String(json, UTF_8)).contains("\"id\":7", "\"ratio\":0.25", "\"blob\":\"AQID\"");
    Map<String, Object> fromJson =
        ((MutationBody) codec.decode(json).getBody()).getOps().get(0).getProps();
    assertThat(fromJson)
        .containsEntry("id", 7L)
        .containsEntry("ratio", 0.25)
        .containsEntry("blob", "AQID");
  }

  @Test
  void checksTheKafkaKey() {
    byte[] value = codec.encode(SampleEvents.all().get("deleteNode"), EventFormat.AVRO);
    assertThat(codec.decode("social".getBytes(UTF_8), value).getEventId()).isEqualTo("e4");
    assertThatThrownBy(() -> codec.decode("other".getBytes(UTF_8), value))
        .isInstanceOfSatisfying(
            EventDecodeException.class,
            e -> assertThat(e.code()).isEqualTo(DecodeError.KEY_MISMATCH));
    assertThatThrownBy(() -> codec.decode(null, value))
        .isInstanceOfSatisfying(
            EventDecodeException.class,
            e -> assertThat(e.code()).isEqualTo(DecodeError.KEY_MISMATCH));
  }

  @Test
  void refusesToEncodeAnInvalidEvent() {
    GraphEvent noKey =
        mutation(
            "e-bad",
            op(OpKind.UPDATE_NODE, "Person", null, null, null, null, null, props("age", 1L)));
    for (EventFormat format : List.of(EventFormat.AVRO, EventFormat.JSON)) {
      assertThatThrownBy(() -> codec.encode(noKey, format))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("mutation.ops[0].key");
    }
    GraphEvent integerKey =
        mutation("e-bad", op(OpKind.DELETE_NODE, "Person", 5, null, null, null, null, null));
    assertThatThrownBy(() -> codec.encode(integerKey, EventFormat.AVRO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a key is a string or a 64-bit integer, found Integer");
    GraphEvent nestedList =
        mutation(
            "e-bad",
            op(
                OpKind.UPSERT_NODE,
                "Person",
                null,
                null,
                null,
                null,
                props("xs", new ArrayList<>(List.of(List.of(1L)))),
                null));
    assertThatThrownBy(() -> codec.encode(nestedList, EventFormat.AVRO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mutation.ops[0].props.xs[0]");
  }

  @Test
  void confluentNeedsARegistry() {
    GraphEvent event = SampleEvents.all().get("deleteNode");
    assertThatThrownBy(() -> codec.encode(event, EventFormat.CONFLUENT))
        .isInstanceOf(IllegalStateException.class);
    byte[] framed = HexFormat.of().parseHex("0000000001020304");
    assertThatThrownBy(() -> codec.decode(framed))
        .isInstanceOfSatisfying(
            EventDecodeException.class,
            e -> assertThat(e.code()).isEqualTo(DecodeError.UNSUPPORTED_FORMAT));
  }

  @Test
  void unknownFingerprintIsReportedAsSuch() {
    byte[] bytes = codec.encode(SampleEvents.all().get("deleteNode"), EventFormat.AVRO);
    bytes[5] ^= 0x01;
    assertThatThrownBy(() -> codec.decode(bytes))
        .isInstanceOfSatisfying(
            EventDecodeException.class,
            e -> assertThat(e.code()).isEqualTo(DecodeError.UNKNOWN_FINGERPRINT));
  }

  @Test
  void trailingBytesAfterTheAvroBodyAreRefused() {
    byte[] bytes = codec.encode(SampleEvents.all().get("deleteNode"), EventFormat.AVRO);
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    assertThatThrownBy(() -> codec.decode(longer))
        .isInstanceOfSatisfying(
            EventDecodeException.class, e -> assertThat(e.code()).isEqualTo(DecodeError.BAD_AVRO));
  }

  @Test
  void invalidUtf8InAnAvroStringIsRefused() {
    GraphEvent event =
        mutation("e-utf", op(OpKind.DELETE_NODE, "Person", "zz", null, null, null, null, null));
    byte[] bytes = codec.encode(event, EventFormat.AVRO);
    // The key "zz" is the last string: make its first byte a lone continuation byte.
    int at = indexOf(bytes, "zz".getBytes(UTF_8));
    bytes[at] = (byte) 0x80;
    assertThatThrownBy(() -> codec.decode(bytes))
        .isInstanceOfSatisfying(
            EventDecodeException.class, e -> assertThat(e.code()).isEqualTo(DecodeError.BAD_AVRO));
  }

  @Test
  void aHugeLengthPrefixFailsFastInsteadOfAllocating() {
    byte[] bytes = codec.encode(SampleEvents.all().get("deleteNode"), EventFormat.AVRO);
    // The graph id's length is the first byte of the body; claim 1.5 GB instead.
    byte[] evil = new byte[20];
    System.arraycopy(bytes, 0, evil, 0, 10);
    long zigzag = 1_500_000_000L << 1;
    int p = 10;
    while ((zigzag & ~0x7FL) != 0) {
      evil[p++] = (byte) ((zigzag & 0x7F) | 0x80);
      zigzag >>>= 7;
    }
    evil[p] = (byte) zigzag;
    assertThatThrownBy(() -> codec.decode(evil))
        .isInstanceOfSatisfying(
            EventDecodeException.class, e -> assertThat(e.code()).isEqualTo(DecodeError.BAD_AVRO));
  }

  @Test
  void decodesWithoutTheClassTrustThatTheGeneratedDecoderNeeds() {
    assumeTrue(
        System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES") == null
            && System.getProperty("org.apache.avro.SERIALIZABLE_CLASSES") == null);
    GraphEvent event = SampleEvents.all().get("load append rows");
    byte[] bytes = codec.encode(event, EventFormat.AVRO);
    assertThat(codec.decode(bytes)).isEqualTo(event);
    // Avro 1.12.2 refuses its own generated classes unless trusted by a system property. When an
    // Avro upgrade makes this assertion fail, ShippedClasses is no longer needed.
    assertThatThrownBy(() -> GraphEvent.getDecoder().decode(bytes))
        .isInstanceOf(SecurityException.class);
  }

  @Test
  void isSafeToShareBetweenThreads() {
    List<GraphEvent> events = new ArrayList<>(SampleEvents.all().values());
    List<byte[]> encoded = new ArrayList<>();
    for (GraphEvent event : events) {
      encoded.add(codec.encode(event, EventFormat.AVRO));
      encoded.add(codec.encode(event, EventFormat.JSON));
    }
    java.util.stream.IntStream.range(0, 4_000)
        .parallel()
        .forEach(
            i -> {
              GraphEvent decoded = codec.decode(encoded.get(i % encoded.size()));
              assertThat(decoded).isEqualTo(events.get((i % encoded.size()) / 2));
            });
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = haystack.length - needle.length; i >= 0; i--) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
