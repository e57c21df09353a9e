package io.ingraft.events;

import io.ingraft.events.avro.GraphLogRecord;
import java.nio.charset.StandardCharsets;

/**
 * The head of a logged event in the graph log, read straight from its Avro single-object bytes
 * without decoding the event: the graph it belongs to and the kind of its body. The writer reads
 * this much on its poll thread to route and batch the record, and holds the bytes rather than a
 * decoded event until a worker applies the batch (docs/architecture.md, "Memory").
 *
 * <p>A head is read only from a well-formed prefix; {@link #read} returns null for anything else (a
 * seal, JSON, another schema, a malformed prefix), and the caller decodes the record with {@link
 * GraphLogCodec#decode}, which says what is wrong. A head that reads does not make the record
 * valid: the full decode, later, still checks everything.
 *
 * @param graph the event's graph id (checked against the graph-id rule)
 * @param body the kind of the event's body
 */
public record GraphLogHead(String graph, Body body) {
  /** The kind of an event's body, in the order of the GraphEvent schema's body union. */
  public enum Body {
    SCHEMA,
    MUTATION,
    LOAD
  }

  private static final Body[] BODIES = Body.values();

  /** Checks the fingerprint: only the current schema's bytes are laid out as read here. */
  private static final AvroBinary<GraphLogRecord> LOG =
      new AvroBinary<>(GraphLogRecord.getClassSchema(), GraphLogRecord.getEncoder());

  /**
   * The head of a logged event's record value, or null when it is not a logged event in this
   * version's Avro single-object form with a well-formed head.
   */
  public static GraphLogHead read(byte[] value) {
    if (value == null || !LOG.isSingleObjectOfThisSchema(value)) {
      return null;
    }
    Cursor in = new Cursor(value, EventFormat.AVRO_HEADER_LENGTH);
    // GraphLogRecord.entry: branch 0 is LoggedEvent, whose first field is the GraphEvent:
    // graph (string), eventId (string), timestamp (union null/long), body (union).
    if (in.varLong() != 0) {
      return null;
    }
    int graphLength = in.length();
    if (graphLength < 0) {
      return null;
    }
    String graph = new String(value, in.at, graphLength, StandardCharsets.UTF_8);
    in.at += graphLength;
    if (!GraphEventRules.isGraphId(graph)) {
      return null;
    }
    int eventIdLength = in.length();
    if (eventIdLength < 0) {
      return null;
    }
    in.at += eventIdLength;
    long timestamp = in.varLong();
    if (timestamp == 1) {
      in.varLong();
    } else if (timestamp != 0) {
      return null;
    }
    long body = in.varLong();
    if (in.broken || body < 0 || body >= BODIES.length) {
      return null;
    }
    return new GraphLogHead(graph, BODIES[(int) body]);
  }

  /** Reads Avro's zig-zag varints from a byte array; marks itself broken past the end. */
  private static final class Cursor {
    private final byte[] bytes;
    private int at;
    private boolean broken;

    Cursor(byte[] bytes, int at) {
      this.bytes = bytes;
      this.at = at;
    }

    long varLong() {
      long raw = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (at >= bytes.length) {
          broken = true;
          return -1;
        }
        byte b = bytes[at++];
        raw |= (long) (b & 0x7F) << shift;
        if (b >= 0) {
          return (raw >>> 1) ^ -(raw & 1);
        }
      }
      broken = true;
      return -1;
    }

    /** A string's length that fits in what is left, or -1. */
    int length() {
      long length = varLong();
      if (broken || length < 0 || length > bytes.length - at) {
        return -1;
      }
      return (int) length;
    }
  }
}
