package io.ingraft.app.topology;

import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.SchemaBody;
import io.ingraft.events.avro.SealReason;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The kind of an event's body, carried across the repartition topic in a header so that the sealing
 * step can decide batch boundaries without decoding the (possibly large) event again.
 */
enum BodyKind {
  MUTATION(null),
  LOAD(SealReason.LOAD),
  SCHEMA(SealReason.SCHEMA);

  /** Header of a repartitioned record naming its body kind; it never reaches the graph log. */
  static final String HEADER = "ingraft.body";

  /** {@link #values()} copies its array at every call; this is read for every record. */
  private static final BodyKind[] KINDS = values();

  private final SealReason aloneReason;

  /** The header value, encoded once: the same bytes go out with every record of this kind. */
  private final byte[] headerValue;

  BodyKind(SealReason aloneReason) {
    this.aloneReason = aloneReason;
    this.headerValue = name().getBytes(StandardCharsets.UTF_8);
  }

  static BodyKind of(GraphEvent event) {
    Object body = event.getBody();
    if (body instanceof LoadBody) {
      return LOAD;
    }
    return body instanceof SchemaBody ? SCHEMA : MUTATION;
  }

  /** The kind named by {@link #HEADER}, or null when the header is absent or unknown. */
  static BodyKind fromHeaders(Headers headers) {
    Header header = headers.lastHeader(HEADER);
    if (header == null) {
      return null;
    }
    byte[] value = header.value();
    for (BodyKind kind : KINDS) {
      if (Arrays.equals(kind.headerValue, value)) {
        return kind;
      }
    }
    return null;
  }

  /** The header value naming this kind; shared by every record, so callers must not change it. */
  byte[] headerValue() {
    return headerValue;
  }

  /**
   * The seal reason when such an event must sit alone in its batch (loads and schema changes), or
   * null for a mutation, which shares batches.
   */
  SealReason aloneReason() {
    return aloneReason;
  }
}
