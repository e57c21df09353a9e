package io.ingraft.events;

import java.util.Optional;

/**
 * The three encodings a record value can arrive in, told apart by its first bytes: Avro
 * single-object encoding ({@code C3 01}, an 8-byte little-endian CRC-64-AVRO fingerprint of the
 * writer schema, then the Avro binary body), the Confluent wire format ({@code 00}, a 4-byte
 * big-endian schema registry id, then the Avro binary body) and JSON (a UTF-8 object). No JSON text
 * can start with byte 0x00 or 0xC3, so detection never has to guess.
 */
public enum EventFormat {
  AVRO,
  CONFLUENT,
  JSON;

  /** Bytes before the Avro body in single-object encoding: magic (2) + fingerprint (8). */
  static final int AVRO_HEADER_LENGTH = 10;

  /** Bytes before the Avro body in the Confluent wire format: magic (1) + schema id (4). */
  static final int CONFLUENT_HEADER_LENGTH = 5;

  static final byte AVRO_MAGIC_0 = (byte) 0xC3;
  static final byte AVRO_MAGIC_1 = (byte) 0x01;
  static final byte CONFLUENT_MAGIC = 0x00;

  /**
   * The format the bytes are in, judged by the first bytes only: empty when they are none of the
   * three (empty input, a bare JSON scalar, text, random bytes). JSON is recognised by its first
   * non-blank character, after an optional UTF-8 byte order mark, being '{' or '['; an array is
   * still JSON, and is refused later as not being an object.
   */
  public static Optional<EventFormat> detect(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      return Optional.empty();
    }
    if (bytes[0] == AVRO_MAGIC_0) {
      return bytes.length > 1 && bytes[1] == AVRO_MAGIC_1 ? Optional.of(AVRO) : Optional.empty();
    }
    if (bytes[0] == CONFLUENT_MAGIC) {
      return Optional.of(CONFLUENT);
    }
    int i = 0;
    if (bytes.length >= 3
        && bytes[0] == (byte) 0xEF
        && bytes[1] == (byte) 0xBB
        && bytes[2] == (byte) 0xBF) {
      i = 3;
    }
    while (i < bytes.length && isJsonBlank(bytes[i])) {
      i++;
    }
    if (i < bytes.length && (bytes[i] == '{' || bytes[i] == '[')) {
      return Optional.of(JSON);
    }
    return Optional.empty();
  }

  private static boolean isJsonBlank(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r';
  }
}
