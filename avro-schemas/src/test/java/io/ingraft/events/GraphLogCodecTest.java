package io.ingraft.events;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.events.avro.Seal;
import io.ingraft.events.avro.SealReason;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class GraphLogCodecTest {
  private final GraphLogCodec codec = new GraphLogCodec();

  static Stream<Arguments> records() {
    Stream<Arguments> logged =
        SampleEvents.all().entrySet().stream()
            .flatMap(
                e ->
                    Stream.of(
                        Arguments.of(
                            "logged " + e.getKey() + " AVRO",
                            EventFormat.AVRO,
                            GraphLogCodec.logged(e.getValue(), "ingraft.mutations", 2, 1234L)),
                        Arguments.of(
                            "logged " + e.getKey() + " JSON",
                            EventFormat.JSON,
                            GraphLogCodec.logged(e.getValue(), "ingraft.mutations", 2, 1234L))));
    Stream<Arguments> seals =
        Stream.of(SealReason.values())
            .flatMap(
                reason ->
                    Stream.of(
                        Arguments.of(
                            "seal " + reason + " AVRO",
                            EventFormat.AVRO,
                            GraphLogCodec.seal("social", 17, 500, reason)),
                        Arguments.of(
                            "seal " + reason + " JSON",
                            EventFormat.JSON,
                            GraphLogCodec.seal("social", 17, 500, reason))));
    return Stream.concat(logged, seals);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("records")
  void roundTrips(String name, EventFormat format, GraphLogRecord record) {
    byte[] bytes = codec.encode(record, format);
    assertThat(EventFormat.detect(bytes)).contains(format);
    assertThat(codec.decode(bytes)).isEqualTo(record);
    assertThat(GraphLogCodec.graphOf(record)).isEqualTo("social");
  }

  static Stream<Arguments> samples() {
    return SampleEvents.all().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void aLoggedEventFromAvroInputIsTheSameRecordAsEncodingIt(String name, GraphEvent event) {
    GraphEventCodec events = new GraphEventCodec();
    byte[] value = events.encode(event, EventFormat.AVRO);
    GraphEvent decoded = events.decode(value);
    // Offsets and partitions of several varint lengths, and a topic with multi-byte characters.
    for (long offset : new long[] {0, 63, 64, 1L << 40, Long.MAX_VALUE}) {
      for (int partition : new int[] {0, 300, Integer.MAX_VALUE}) {
        for (String topic : new String[] {"ingraft.mutations", "gråph-tøpic"}) {
          byte[] expected =
              codec.encode(
                  GraphLogCodec.logged(decoded, topic, partition, offset), EventFormat.AVRO);
          byte[] copied = codec.encodeLogged(value, decoded, topic, partition, offset);
          // Equal records; the bytes themselves may differ in the order of map entries, which
          // Avro writes as the map iterates.
          assertThat(codec.decode(copied))
              .isEqualTo(codec.decode(expected))
              .isEqualTo(GraphLogCodec.logged(event, topic, partition, offset));
          if (name.equals("deleteNode")) {
            assertThat(copied).isEqualTo(expected);
          }
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void aLoggedEventFromJsonInputIsEncoded(String name, GraphEvent event) {
    GraphEventCodec events = new GraphEventCodec();
    GraphEvent decoded = events.decode(events.encode(event, EventFormat.JSON));
    byte[] value = events.encode(event, EventFormat.JSON);
    assertThat(codec.encodeLogged(value, decoded, "t", 1, 2))
        .isEqualTo(codec.encode(GraphLogCodec.logged(decoded, "t", 1, 2), EventFormat.AVRO));
  }

  @Test
  void aLoggedEventNeedsAValidSourcePosition() {
    GraphEventCodec events = new GraphEventCodec();
    GraphEvent event = SampleEvents.all().get("deleteNode");
    byte[] value = events.encode(event, EventFormat.AVRO);
    assertThatThrownBy(() -> codec.encodeLogged(value, event, "", 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> codec.encodeLogged(value, event, "t", -1, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> codec.encodeLogged(value, event, "t", 0, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void jsonForm() {
    GraphEvent event = SampleEvents.all().get("deleteNode");
    assertThat(
            new String(
                codec.encode(
                    GraphLogCodec.logged(event, "ingraft.mutations", 0, 5), EventFormat.JSON),
                UTF_8))
        .isEqualTo(
            "{\"logged\":{\"sourceTopic\":\"ingraft.mutations\","
                + "\"sourcePartition\":0,\"sourceOffset\":5,\"event\":{\"graph\":\"social\","
                + "\"eventId\":\"e4\",\"mutation\":{\"ops\":[{\"op\":\"deleteNode\","
                + "\"type\":\"Person\",\"key\":\"bob\"}]}}}}");
    assertThat(
            new String(
                codec.encode(
                    GraphLogCodec.seal("social", 3, 10, SealReason.BYTES), EventFormat.JSON),
                UTF_8))
        .isEqualTo(
            "{\"seal\":{\"graph\":\"social\",\"sequence\":3,"
                + "\"eventCount\":10,\"reason\":\"bytes\"}}");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{} | MISSING_FIELD | ''",
        "{\"logged\": {}, \"seal\": {}} | BAD_FIELD | seal",
        "{\"other\": 1} | UNKNOWN_FIELD | other",
        "{\"seal\": {\"graph\": \"g\", \"sequence\": 1, \"eventCount\": 1, \"reason\": \"full\"}}"
            + " | BAD_FIELD | seal.reason",
        "{\"seal\": {\"graph\": \"g\", \"sequence\": -1, \"eventCount\": 1, \"reason\": \"count\"}}"
            + " | BAD_FIELD | seal.sequence",
        "{\"seal\": {\"graph\": \"G!\", \"sequence\": 1, \"eventCount\": 1, \"reason\": \"count\"}}"
            + " | BAD_FIELD | seal.graph",
        "{\"seal\": {\"sequence\": 1, \"eventCount\": 1, \"reason\": \"count\"}}"
            + " | MISSING_FIELD | seal.graph",
        "{\"logged\": {\"sourceTopic\": \"t\", \"sourcePartition\": 0, \"sourceOffset\": 1}}"
            + " | MISSING_FIELD | logged.event",
        "{\"logged\": {\"sourceTopic\": \"t\", \"sourcePartition\": 0, \"sourceOffset\": 1,"
            + " \"event\": {\"graph\": \"g\", \"eventId\": \"e\", \"mutation\": {\"ops\": ["
            + "{\"op\": \"deleteNode\", \"type\": \"P\"}]}}}} | MISSING_FIELD"
            + " | logged.event.mutation.ops[0].key",
        "{\"logged\": {\"sourceTopic\": \"\", \"sourcePartition\": 0, \"sourceOffset\": 1,"
            + " \"event\": {\"graph\": \"g\", \"eventId\": \"e\", \"schema\": {\"source\": \"x\"}}}}"
            + " | BAD_FIELD | logged.sourceTopic",
        "{\"logged\": {\"sourceTopic\": \"t\", \"sourcePartition\": -2, \"sourceOffset\": 1,"
            + " \"event\": {\"graph\": \"g\", \"eventId\": \"e\", \"schema\": {\"source\": \"x\"}}}}"
            + " | BAD_FIELD | logged.sourcePartition"
      })
  void refusesInvalidRecords(String json, DecodeError code, String path) {
    EventDecodeException e =
        catchThrowableOfType(EventDecodeException.class, () -> codec.decode(json.getBytes(UTF_8)));
    assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
    assertThat(e.path()).isEqualTo(path);
  }

  @ParameterizedTest
  @EnumSource(
      value = EventFormat.class,
      names = {"AVRO", "JSON"})
  void refusesToEncodeAnInvalidRecord(EventFormat format) {
    GraphLogRecord negative = new GraphLogRecord(new Seal("g", -1L, 0, SealReason.COUNT));
    assertThatThrownBy(() -> codec.encode(negative, format))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("seal.sequence");
    GraphLogRecord noEvent = new GraphLogRecord(new LoggedEvent(null, "t", 0, 0L, null));
    assertThatThrownBy(() -> codec.encode(noEvent, format))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("logged.event");
  }

  @Test
  void refusesTheConfluentFormat() {
    assertThatThrownBy(
            () ->
                codec.encode(GraphLogCodec.seal("g", 1, 1, SealReason.LOAD), EventFormat.CONFLUENT))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(
            catchThrowableOfType(
                    EventDecodeException.class, () -> codec.decode(new byte[] {0, 0, 0, 0, 1}))
                .code())
        .isEqualTo(DecodeError.UNSUPPORTED_FORMAT);
  }
}
