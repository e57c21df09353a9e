package io.ingraft.events;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * An Avro binary decoder over one byte array that checks every length and item count against the
 * bytes that are left before allocating anything. Avro's own decoders allocate a string, bytes or
 * array of whatever size a (possibly corrupt or hostile) length prefix claims, so ten bytes can ask
 * for gigabytes and end in an OutOfMemoryError; here such input fails as an IOException.
 *
 * <p>Item counts are bounded by the remaining bytes because every array item and map entry of the
 * Ingraft schemas takes at least one byte (a union index, an enum index, a key length or a block
 * count). A schema with zero-byte items (an array of null) would need a looser bound.
 */
final class BoundedDecoder extends Decoder {
  private final byte[] bytes;
  private int pos;

  BoundedDecoder(byte[] bytes, int offset) {
    this.bytes = bytes;
    this.pos = offset;
  }

  @Override
  public int remainingBytes() {
    return bytes.length - pos;
  }

  @Override
  public void readNull() {
    // A null takes no bytes.
  }

  @Override
  public boolean readBoolean() throws IOException {
    byte b = next();
    if (b != 0 && b != 1) {
      throw new IOException("invalid boolean byte " + (b & 0xFF) + " at offset " + (pos - 1));
    }
    return b == 1;
  }

  @Override
  public int readInt() throws IOException {
    long value = readVarLong(5);
    int unsigned = (int) value;
    if ((value & 0xFFFFFFFFL) != value) {
      throw new IOException("int varint overflows 32 bits at offset " + pos);
    }
    return (unsigned >>> 1) ^ -(unsigned & 1);
  }

  @Override
  public long readLong() throws IOException {
    long value = readVarLong(10);
    return (value >>> 1) ^ -(value & 1);
  }

  /** Reads an unsigned little-endian base-128 varint of at most {@code maxBytes} bytes. */
  private long readVarLong(int maxBytes) throws IOException {
    long value = 0;
    for (int i = 0; i < maxBytes; i++) {
      byte b = next();
      value |= (long) (b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw new IOException("varint longer than " + maxBytes + " bytes at offset " + pos);
  }

  @Override
  public float readFloat() throws IOException {
    need(4);
    int bits =
        (bytes[pos] & 0xFF)
            | (bytes[pos + 1] & 0xFF) << 8
            | (bytes[pos + 2] & 0xFF) << 16
            | (bytes[pos + 3] & 0xFF) << 24;
    pos += 4;
    return Float.intBitsToFloat(bits);
  }

  @Override
  public double readDouble() throws IOException {
    need(8);
    long bits = 0;
    for (int i = 7; i >= 0; i--) {
      bits = bits << 8 | (bytes[pos + i] & 0xFF);
    }
    pos += 8;
    return Double.longBitsToDouble(bits);
  }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    int length = readLength("string");
    Utf8 out = old != null ? old : new Utf8();
    out.setByteLength(length);
    System.arraycopy(bytes, pos, out.getBytes(), 0, length);
    pos += length;
    return out;
  }

  private boolean isAscii(int from, int length) {
    for (int i = from; i < from + length; i++) {
      if (bytes[i] < 0) {
        return false;
      }
    }
    return true;
  }

  /** Invalid UTF-8 is an error here, not silently replaced: a mangled key must not be applied. */
  @Override
  public String readString() throws IOException {
    int length = readLength("string");
    // Most strings (ids, names, keys) are ASCII, which is valid UTF-8 byte for byte: such a
    // string is made directly, without a charset decoder per string (a hot spot in profiles).
    if (isAscii(pos, length)) {
      String ascii = new String(bytes, pos, length, StandardCharsets.ISO_8859_1);
      pos += length;
      return ascii;
    }
    String out;
    try {
      out =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes, pos, length))
              .toString();
    } catch (CharacterCodingException e) {
      throw new IOException("string at offset " + pos + " is not valid UTF-8", e);
    }
    pos += length;
    return out;
  }

  @Override
  public void skipString() throws IOException {
    int length = readLength("string"); // Not "pos += readLength()": that would add to the old pos.
    pos += length;
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    int length = readLength("bytes");
    byte[] copy = new byte[length];
    System.arraycopy(bytes, pos, copy, 0, length);
    pos += length;
    return ByteBuffer.wrap(copy);
  }

  @Override
  public void skipBytes() throws IOException {
    int length = readLength("bytes");
    pos += length;
  }

  @Override
  public void readFixed(byte[] out, int start, int length) throws IOException {
    need(length);
    System.arraycopy(bytes, pos, out, start, length);
    pos += length;
  }

  @Override
  public void skipFixed(int length) throws IOException {
    need(length);
    pos += length;
  }

  @Override
  public int readEnum() throws IOException {
    return readInt();
  }

  @Override
  public long readArrayStart() throws IOException {
    return readBlockCount();
  }

  @Override
  public long arrayNext() throws IOException {
    return readBlockCount();
  }

  @Override
  public long skipArray() throws IOException {
    return skipBlocks();
  }

  @Override
  public long readMapStart() throws IOException {
    return readBlockCount();
  }

  @Override
  public long mapNext() throws IOException {
    return readBlockCount();
  }

  @Override
  public long skipMap() throws IOException {
    return skipBlocks();
  }

  @Override
  public int readIndex() throws IOException {
    return readInt();
  }

  /**
   * The item count of the next block; a negative count is followed by the block's byte size, which
   * a reader that reads items one by one does not need.
   */
  private long readBlockCount() throws IOException {
    long count = readLong();
    if (count < 0) {
      if (count == Long.MIN_VALUE) {
        throw new IOException("invalid block count at offset " + pos);
      }
      count = -count;
      long size = readLong();
      if (size < 0 || size > remainingBytes()) {
        throw new IOException(
            "block of "
                + size
                + " bytes at offset "
                + pos
                + ", but only "
                + remainingBytes()
                + " bytes are left");
      }
    }
    checkCount(count);
    return count;
  }

  /**
   * Skips whole blocks that carry their byte size and returns the item count of the first block
   * that does not (to be skipped item by item), or 0 at the end, as {@link Decoder} asks.
   */
  private long skipBlocks() throws IOException {
    while (true) {
      long count = readLong();
      if (count >= 0) {
        checkCount(count);
        return count;
      }
      if (count == Long.MIN_VALUE) {
        throw new IOException("invalid block count at offset " + pos);
      }
      long size = readLong();
      if (size < 0 || size > remainingBytes()) {
        throw new IOException(
            "block of "
                + size
                + " bytes at offset "
                + pos
                + ", but only "
                + remainingBytes()
                + " bytes are left");
      }
      pos += (int) size;
    }
  }

  private void checkCount(long count) throws IOException {
    if (count > remainingBytes()) {
      throw new IOException(
          "block of "
              + count
              + " items at offset "
              + pos
              + ", but only "
              + remainingBytes()
              + " bytes are left");
    }
  }

  private int readLength(String what) throws IOException {
    long length = readLong();
    if (length < 0) {
      throw new IOException("negative " + what + " length " + length + " at offset " + pos);
    }
    if (length > remainingBytes()) {
      throw new EOFException(
          what
              + " of "
              + length
              + " bytes at offset "
              + pos
              + ", but only "
              + remainingBytes()
              + " bytes are left");
    }
    return (int) length;
  }

  private void need(int length) throws IOException {
    if (length < 0 || length > remainingBytes()) {
      throw new EOFException(
          "need "
              + length
              + " bytes at offset "
              + pos
              + ", but only "
              + remainingBytes()
              + " are left");
    }
  }

  private byte next() throws IOException {
    if (pos >= bytes.length) {
      throw new EOFException("unexpected end of data at offset " + pos);
    }
    return bytes[pos++];
  }
}
