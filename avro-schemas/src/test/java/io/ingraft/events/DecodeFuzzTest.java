package io.ingraft.events;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.SealReason;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * Whatever the bytes, decoding either succeeds with a record that passes the rules (it encodes
 * again) or throws {@link EventDecodeException}: random bytes, random bytes behind valid headers,
 * every truncation and thousands of byte mutations of valid records in every format, and hostile
 * JSON. Seeds are fixed so a failure reproduces.
 */
class DecodeFuzzTest {
  /** An in-memory registry: id 1 is GraphEvent's schema, every other id is unknown. */
  private static final SchemaRegistry REGISTRY =
      new SchemaRegistry() {
        @Override
        public int register(String subject, Schema schema) {
          return 1;
        }

        @Override
        public Schema schemaById(int id) {
          if (id == 1) {
            return GraphEvent.getClassSchema();
          }
          throw new SchemaRegistryException(
              SchemaRegistryException.Kind.NOT_FOUND, 404, 40403, "no schema " + id, null);
        }
      };

  private final GraphEventCodec events = new GraphEventCodec(REGISTRY, "t-value");
  private final GraphLogCodec log = new GraphLogCodec();
  private final CommitNoticeCodec commits = new CommitNoticeCodec();
  private int decoded;
  private int refused;

  @Test
  void randomBytes() {
    Random random = new Random(1);
    for (int n = 0; n < 20_000; n++) {
      byte[] bytes = new byte[random.nextInt(80)];
      random.nextBytes(bytes);
      decodeAll(bytes);
    }
    assertThat(refused).isPositive();
  }

  @Test
  void randomBodiesBehindValidHeaders() {
    List<byte[]> headers = new ArrayList<>();
    headers.add(
        Arrays.copyOf(events.encode(SampleEvents.all().get("deleteNode"), EventFormat.AVRO), 10));
    headers.add(
        Arrays.copyOf(
            log.encode(GraphLogCodec.seal("g", 1, 1, SealReason.COUNT), EventFormat.AVRO), 10));
    headers.add(
        Arrays.copyOf(commits.encode(CommitNoticeCodecTest.sample(), EventFormat.AVRO), 10));
    headers.add(GraphEventCodec.confluentHeader(1));
    Random random = new Random(2);
    for (byte[] header : headers) {
      for (int n = 0; n < 20_000; n++) {
        byte[] bytes = Arrays.copyOf(header, header.length + random.nextInt(120));
        for (int i = header.length; i < bytes.length; i++) {
          // Small bytes are more likely to form valid lengths, indexes and counts.
          bytes[i] = (byte) (random.nextBoolean() ? random.nextInt(8) : random.nextInt(256));
        }
        decodeAll(bytes);
      }
    }
  }

  @Test
  void everyTruncationOfEveryValidRecord() {
    for (byte[] valid : validRecords()) {
      for (int length = 0; length < valid.length; length++) {
        decodeAll(Arrays.copyOf(valid, length));
      }
    }
    assertThat(refused).isPositive();
  }

  @Test
  void mutationsOfValidRecords() {
    Random random = new Random(3);
    for (byte[] valid : validRecords()) {
      for (int n = 0; n < 1_500; n++) {
        byte[] bytes = valid.clone();
        for (int k = 1 + random.nextInt(3); k > 0; k--) {
          int at = random.nextInt(bytes.length);
          switch (random.nextInt(4)) {
            case 0 -> bytes[at] ^= (byte) (1 << random.nextInt(8));
            case 1 -> bytes[at] = (byte) random.nextInt(256);
            case 2 -> bytes[at] = (byte) 0xFF; // A varint that goes on and on.
            default -> bytes[at] = (byte) (bytes[at] + 1);
          }
        }
        decodeAll(bytes);
      }
    }
    assertThat(decoded).isPositive();
    assertThat(refused).isPositive();
  }

  @Test
  void hostileJson() {
    List<String> texts =
        new ArrayList<>(
            List.of(
                "[]",
                "[1, 2, 3]",
                "[{\"graph\": \"g\"}]",
                "{}",
                "{\"graph\": []}",
                "  {  ",
                "{\"a\":",
                "{\"graph\": \"g\", \"eventId\": \"e\", \"schema\": {\"source\": \"x\"}}garbage",
                "{\"graph\": \"g\", \"eventId\": \"e\", \"timestamp\": 1e999999999,"
                    + " \"schema\": {\"source\": \"x\"}}",
                "{\"graph\": \"g\", \"eventId\": \"e\", \"timestamp\": " + "1".repeat(5_000) + "}",
                "{\"graph\": \"\\ud800\", \"eventId\": \"e\", \"schema\": {\"source\": \"x\"}}",
                "{\"graph\": \"g\", \"eventId\": \"e\", \"mutation\": {\"ops\": ["
                    + "{},".repeat(1000)
                    + "{}]}}",
                "{\"logged\": {\"event\": []}}",
                "{\"seal\": 5}",
                "{\"tables\": []}",
                "[".repeat(100_000),
                "{\"a\":".repeat(100_000),
                "\"" + "x".repeat(100_000)));
    StringBuilder deep =
        new StringBuilder(
            "{\"graph\": \"g\", \"eventId\": \"e\", \"mutation\":"
                + " {\"ops\": [{\"op\": \"upsertNode\", \"type\": \"P\", \"props\": {\"a\": ");
    deep.append("[".repeat(500)).append("]".repeat(500)).append("}}]}}");
    texts.add(deep.toString());
    for (String text : texts) {
      decodeAll(text.getBytes(UTF_8));
    }
    // Invalid UTF-8 inside a JSON string.
    byte[] bytes =
        "{\"graph\": \"gX\", \"eventId\": \"e\", \"schema\": {\"source\": \"x\"}}".getBytes(UTF_8);
    bytes[12] = (byte) 0xC3;
    decodeAll(bytes);
    assertThat(decoded).isZero();
  }

  private List<byte[]> validRecords() {
    List<byte[]> out = new ArrayList<>();
    for (GraphEvent event : SampleEvents.all().values()) {
      for (EventFormat format : EventFormat.values()) {
        out.add(events.encode(event, format));
      }
    }
    GraphLogRecord logged =
        GraphLogCodec.logged(SampleEvents.all().get("load append rows"), "ingraft.loads", 3, 77);
    GraphLogRecord seal = GraphLogCodec.seal("g", 9, 100, SealReason.LINGER);
    for (EventFormat format : List.of(EventFormat.AVRO, EventFormat.JSON)) {
      out.add(log.encode(logged, format));
      out.add(log.encode(seal, format));
      out.add(commits.encode(CommitNoticeCodecTest.sample(), format));
    }
    return out;
  }

  private void decodeAll(byte[] bytes) {
    decodeOne(bytes, events::decode, e -> events.encode(e, EventFormat.AVRO));
    decodeOne(bytes, log::decode, r -> log.encode(r, EventFormat.JSON));
    decodeOne(bytes, commits::decode, c -> commits.encode(c, EventFormat.JSON));
  }

  private <T> void decodeOne(byte[] bytes, Function<byte[], T> decode, Function<T, byte[]> encode) {
    T value;
    try {
      value = decode.apply(bytes);
    } catch (EventDecodeException e) {
      refused++;
      assertThat(e.code()).isNotNull();
      return;
    } catch (Throwable t) {
      fail("decoding " + hex(bytes) + " threw " + t, t);
      return;
    }
    decoded++;
    try {
      assertThat(encode.apply(value)).isNotNull();
    } catch (Throwable t) {
      fail("decoded " + hex(bytes) + " into a record that does not encode: " + t, t);
    }
  }

  private static String hex(byte[] bytes) {
    String all = HexFormat.of().formatHex(bytes);
    return all.length() > 400 ? all.substring(0, 400) + "..." : all;
  }
}
