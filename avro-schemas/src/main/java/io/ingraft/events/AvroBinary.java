package io.ingraft.events;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.FastReaderBuilder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Avro binary for one generated record class: single-object encoding (through the class's own
 * {@code getEncoder()}) and bare bodies for the Confluent framing, and reading both through a
 * {@link BoundedDecoder} so that no input can make it allocate more than the input's size. Every
 * read error, checked or not, comes out as an {@link EventDecodeException}.
 */
final class AvroBinary<T extends SpecificRecordBase> {
  private final Schema schema;
  private final long fingerprint;
  private final ShippedClasses model = new ShippedClasses();
  private final BinaryMessageEncoder<T> singleObjectEncoder;
  private final SpecificDatumWriter<T> bodyWriter;
  private final DatumReader<T> sameSchemaReader;

  AvroBinary(Schema schema, BinaryMessageEncoder<T> singleObjectEncoder) {
    this.schema = schema;
    this.fingerprint = SchemaNormalization.parsingFingerprint64(schema);
    this.singleObjectEncoder = singleObjectEncoder;
    this.bodyWriter = new SpecificDatumWriter<>(schema, model);
    this.sameSchemaReader = reader(schema);
  }

  /**
   * Avro's fast reader (a tree of field readers built once per schema pair) for data written with
   * {@code writer}. Avro uses it on its own only for its stock data models, not for {@link
   * ShippedClasses}; the interpreting reader it replaces showed up in the pipeline's profiles as
   * the largest part of decoding.
   */
  private DatumReader<T> reader(Schema writer) {
    try {
      return new FastReaderBuilder(model).createDatumReader(writer, schema);
    } catch (IOException e) {
      throw new IllegalStateException("cannot build a reader for " + schema.getFullName(), e);
    }
  }

  Schema schema() {
    return schema;
  }

  /** Whether {@code bytes} starts with the single-object header of exactly this schema. */
  boolean isSingleObjectOfThisSchema(byte[] bytes) {
    if (bytes.length < EventFormat.AVRO_HEADER_LENGTH
        || bytes[0] != (byte) 0xC3
        || bytes[1] != 0x01) {
      return false;
    }
    long writerFingerprint = 0;
    for (int i = EventFormat.AVRO_HEADER_LENGTH - 1; i >= 2; i--) {
      writerFingerprint = writerFingerprint << 8 | (bytes[i] & 0xFF);
    }
    return writerFingerprint == fingerprint;
  }

  /** The single-object header of this schema: C3 01, then the fingerprint, little-endian. */
  byte[] singleObjectHeader() {
    byte[] header = new byte[EventFormat.AVRO_HEADER_LENGTH];
    header[0] = (byte) 0xC3;
    header[1] = 0x01;
    for (int i = 0; i < 8; i++) {
      header[2 + i] = (byte) (fingerprint >>> (8 * i));
    }
    return header;
  }

  byte[] encodeSingleObject(T record) {
    try {
      ByteBuffer buffer = singleObjectEncoder.encode(record);
      byte[] out = new byte[buffer.remaining()];
      buffer.get(out);
      return out;
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot encode " + schema.getName() + ": " + e, e);
    }
  }

  /** The bare Avro body, after {@code header}. */
  byte[] encodeBody(byte[] header, T record) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.writeBytes(header);
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    try {
      bodyWriter.write(record, encoder);
      encoder.flush();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot encode " + schema.getName() + ": " + e, e);
    }
    return out.toByteArray();
  }

  T decodeSingleObject(byte[] bytes) {
    if (bytes.length < EventFormat.AVRO_HEADER_LENGTH) {
      throw new EventDecodeException(
          DecodeError.BAD_AVRO,
          "",
          "single-object header is "
              + EventFormat.AVRO_HEADER_LENGTH
              + " bytes, the record has "
              + bytes.length);
    }
    long writerFingerprint = 0;
    for (int i = EventFormat.AVRO_HEADER_LENGTH - 1; i >= 2; i--) {
      writerFingerprint = writerFingerprint << 8 | (bytes[i] & 0xFF);
    }
    if (writerFingerprint != fingerprint) {
      // Only the current schema ships today; older writer schemas would be listed here with a
      // resolving reader each when the schema evolves.
      throw new EventDecodeException(
          DecodeError.UNKNOWN_FINGERPRINT,
          "",
          "writer schema "
              + hex(writerFingerprint)
              + " is not known; this reader ships "
              + schema.getFullName()
              + " "
              + hex(fingerprint));
    }
    return decodeBody(sameSchemaReader, bytes, EventFormat.AVRO_HEADER_LENGTH);
  }

  /**
   * A reader for data written with {@code writer}: this schema itself, or a compatible one by Avro
   * schema resolution.
   */
  DatumReader<T> readerFor(Schema writer) {
    if (SchemaNormalization.parsingFingerprint64(writer) == fingerprint) {
      return sameSchemaReader;
    }
    SchemaPairCompatibility compatibility;
    try {
      compatibility = SchemaCompatibility.checkReaderWriterCompatibility(schema, writer);
    } catch (RuntimeException e) {
      throw new EventDecodeException(
          DecodeError.INCOMPATIBLE_SCHEMA,
          "",
          "cannot compare the writer schema "
              + writer.getFullName()
              + " with "
              + schema.getFullName()
              + ": "
              + e.getMessage(),
          e);
    }
    if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
      throw new EventDecodeException(
          DecodeError.INCOMPATIBLE_SCHEMA,
          "",
          "writer schema "
              + writer.getFullName()
              + " cannot be read as "
              + schema.getFullName()
              + ": "
              + compatibility.getResult().getIncompatibilities());
    }
    return reader(writer);
  }

  T decodeBody(DatumReader<T> reader, byte[] bytes, int offset) {
    BoundedDecoder decoder = new BoundedDecoder(bytes, offset);
    T value;
    try {
      value = reader.read(null, decoder);
    } catch (IOException e) {
      throw new EventDecodeException(
          DecodeError.BAD_AVRO,
          "",
          "Avro body does not decode as " + schema.getName() + ": " + e.getMessage(),
          e);
    } catch (RuntimeException e) {
      // Avro reports corrupt input through many unchecked types (a union or enum index out of
      // range, a failed resolution); none of them may escape as an untyped error.
      throw new EventDecodeException(
          DecodeError.BAD_AVRO,
          "",
          "Avro body does not decode as " + schema.getName() + ": " + e,
          e);
    }
    if (decoder.remainingBytes() != 0) {
      throw new EventDecodeException(
          DecodeError.BAD_AVRO,
          "",
          decoder.remainingBytes() + " bytes left after the Avro body of " + schema.getName());
    }
    return value;
  }

  private static String hex(long fingerprint) {
    return HexFormat.of().toHexDigits(fingerprint);
  }
}
