package io.ingraft.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The bounded decoder reads exactly what Avro's own decoder reads, including the skipping that
 * schema resolution does and the sized blocks that blocking encoders write.
 */
class BoundedDecoderTest {
  private static final Schema WIDE =
      new Schema.Parser()
          .parse(
              """
      {"type": "record", "name": "Wide", "fields": [
        {"name": "b", "type": "boolean"},
        {"name": "i", "type": "int"},
        {"name": "l", "type": "long"},
        {"name": "f", "type": "float"},
        {"name": "d", "type": "double"},
        {"name": "s", "type": "string"},
        {"name": "y", "type": "bytes"},
        {"name": "x", "type": {"type": "fixed", "name": "F3", "size": 3}},
        {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B", "C"]}},
        {"name": "a", "type": {"type": "array", "items": ["null", "long", "string"]}},
        {"name": "m", "type": {"type": "map", "values": {"type": "array", "items": "string"}}},
        {"name": "u", "type": ["null", "string", "double"]},
        {"name": "last", "type": "string"}]}
      """);

  /** Reads only the first and last fields, so every other field is skipped. */
  private static final Schema NARROW =
      new Schema.Parser()
          .parse(
              """
      {"type": "record", "name": "Wide", "fields": [
        {"name": "b", "type": "boolean"},
        {"name": "last", "type": "string"}]}
      """);

  @ParameterizedTest(name = "blocking encoder: {0}, fast reader: {1}")
  @CsvSource({"false, false", "false, true", "true, false", "true, true"})
  void readsAndSkipsLikeAvro(boolean blocking, boolean fastReader) throws IOException {
    // Avro has two reading paths: the fast reader, and the ResolvingDecoder interpreter.
    GenericData model = new GenericData();
    model.setFastReaderEnabled(fastReader);
    Random random = new Random(7);
    for (int n = 0; n < 300; n++) {
      GenericRecord record = randomWide(random);
      byte[] bytes = encode(record, blocking);
      for (Schema reader : List.of(WIDE, NARROW)) {
        GenericDatumReader<GenericRecord> datumReader =
            new GenericDatumReader<>(WIDE, reader, model);
        Object expected = datumReader.read(null, DecoderFactory.get().binaryDecoder(bytes, null));
        BoundedDecoder bounded = new BoundedDecoder(bytes, 0);
        Object actual = datumReader.read(null, bounded);
        assertThat(actual).isEqualTo(expected);
        assertThat(bounded.remainingBytes()).isZero();
      }
    }
  }

  @Test
  void readsAsciiAndUtf8StringsAndRefusesInvalidUtf8() throws IOException {
    assertThat(
            new BoundedDecoder(string("person-42".getBytes(StandardCharsets.UTF_8)), 0)
                .readString())
        .isEqualTo("person-42");
    assertThat(
            new BoundedDecoder(string("Zoë in Åre".getBytes(StandardCharsets.UTF_8)), 0)
                .readString())
        .isEqualTo("Zoë in Åre");
    assertThat(new BoundedDecoder(string(new byte[0]), 0).readString()).isEmpty();
    // A lone continuation byte after ASCII: not UTF-8, so an error and never a replacement.
    assertThatThrownBy(
            () -> new BoundedDecoder(string(new byte[] {'a', (byte) 0x80}), 0).readString())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("UTF-8");
  }

  /** An Avro string: its length, then its bytes. */
  private static byte[] string(byte[] utf8) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(zigzag(utf8.length));
    out.writeBytes(utf8);
    return out.toByteArray();
  }

  @Test
  void refusesLengthsAndCountsBeyondTheInput() {
    // A string of 1,000,000 bytes claimed by 3 bytes of input.
    assertThatThrownBy(() -> new BoundedDecoder(zigzag(1_000_000), 0).readString())
        .isInstanceOf(EOFException.class);
    assertThatThrownBy(() -> new BoundedDecoder(zigzag(1_000_000), 0).readBytes(null))
        .isInstanceOf(EOFException.class);
    assertThatThrownBy(() -> new BoundedDecoder(zigzag(1_000_000), 0).skipString())
        .isInstanceOf(EOFException.class);
    assertThatThrownBy(() -> new BoundedDecoder(zigzag(-1), 0).readString())
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> new BoundedDecoder(zigzag(1_000_000), 0).readArrayStart())
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> new BoundedDecoder(zigzag(1_000_000), 0).readMapStart())
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> new BoundedDecoder(zigzag(1_000_000), 0).skipArray())
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> new BoundedDecoder(new byte[] {2}, 0).readBoolean())
        .isInstanceOf(IOException.class);
    assertThatThrownBy(
            () ->
                new BoundedDecoder(
                        new byte[] {
                          (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01
                        },
                        0)
                    .readInt())
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> new BoundedDecoder(new byte[3], 0).readDouble())
        .isInstanceOf(EOFException.class);
  }

  @Test
  void readsTheExtremes() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    encoder.writeInt(Integer.MIN_VALUE);
    encoder.writeInt(Integer.MAX_VALUE);
    encoder.writeLong(Long.MIN_VALUE);
    encoder.writeLong(Long.MAX_VALUE);
    encoder.writeFloat(Float.NaN);
    encoder.writeDouble(-0.0);
    encoder.flush();
    BoundedDecoder decoder = new BoundedDecoder(out.toByteArray(), 0);
    assertThat(decoder.readInt()).isEqualTo(Integer.MIN_VALUE);
    assertThat(decoder.readInt()).isEqualTo(Integer.MAX_VALUE);
    assertThat(decoder.readLong()).isEqualTo(Long.MIN_VALUE);
    assertThat(decoder.readLong()).isEqualTo(Long.MAX_VALUE);
    assertThat(decoder.readFloat()).isNaN();
    assertThat(Double.doubleToRawLongBits(decoder.readDouble()))
        .isEqualTo(Double.doubleToRawLongBits(-0.0));
    assertThat(decoder.remainingBytes()).isZero();
  }

  private static byte[] zigzag(long value) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    encoder.writeLong(value);
    encoder.flush();
    return out.toByteArray();
  }

  private static byte[] encode(GenericRecord record, boolean blocking) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // A tiny block size makes the blocking encoder write many sized (negative-count) blocks.
    BinaryEncoder encoder =
        blocking
            ? new EncoderFactory().configureBlockSize(64).blockingBinaryEncoder(out, null)
            : EncoderFactory.get().directBinaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(WIDE).write(record, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static GenericRecord randomWide(Random random) {
    GenericRecord r = new GenericData.Record(WIDE);
    r.put("b", random.nextBoolean());
    r.put("i", random.nextInt());
    r.put("l", random.nextLong() >> random.nextInt(64));
    r.put("f", random.nextFloat());
    r.put("d", random.nextGaussian());
    r.put("s", randomString(random));
    byte[] y = new byte[random.nextInt(40)];
    random.nextBytes(y);
    r.put("y", ByteBuffer.wrap(y));
    byte[] x = new byte[3];
    random.nextBytes(x);
    r.put("x", new GenericData.Fixed(WIDE.getField("x").schema(), x));
    r.put(
        "e",
        new GenericData.EnumSymbol(
            WIDE.getField("e").schema(), "ABC".charAt(random.nextInt(3)) + ""));
    List<Object> a = new ArrayList<>();
    for (int i = random.nextInt(30); i > 0; i--) {
      a.add(
          random.nextInt(3) == 0
              ? null
              : random.nextBoolean() ? (Object) random.nextLong() : randomString(random));
    }
    r.put("a", a);
    Map<String, Object> m = new HashMap<>();
    for (int i = random.nextInt(8); i > 0; i--) {
      List<String> values = new ArrayList<>();
      for (int j = random.nextInt(5); j > 0; j--) {
        values.add(randomString(random));
      }
      m.put("k" + i, values);
    }
    r.put("m", m);
    int u = random.nextInt(3);
    r.put("u", u == 0 ? null : u == 1 ? (Object) randomString(random) : random.nextDouble());
    r.put("last", randomString(random));
    return r;
  }

  private static String randomString(Random random) {
    StringBuilder s = new StringBuilder();
    for (int i = random.nextInt(20); i > 0; i--) {
      s.append(random.nextInt(10) == 0 ? 'é' : (char) ('a' + random.nextInt(26)));
    }
    return s.toString();
  }
}
