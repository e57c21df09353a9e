package io.ingraft.app.topology;

import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.SchemaBody;
import io.ingraft.events.avro.SealReason;
import java.nio.charset.StandardCharsets;
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

  private final SealReason aloneReason;

  BodyKind(SealReason aloneReason) {
    this.aloneReason = aloneReason;
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
    String name = new String(header.value(), StandardCharsets.UTF_8);
    for (BodyKind kind : values()) {
      if (kind.name().equals(name)) {
        return kind;
      }
    }
    return null;
  }

  byte[] headerValue() {
    return name().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The seal reason when such an event must sit alone in its batch (loads and schema changes), or
   * null for a mutation, which shares batches.
   */
  SealReason aloneReason() {
    return aloneReason;
  }
}
