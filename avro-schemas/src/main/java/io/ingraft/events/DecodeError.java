package io.ingraft.events;

/**
 * Why a record could not be decoded: the stable machine code of an {@link EventDecodeException}.
 * The constant names go into dead-letter headers and dashboards, so they are never renamed or
 * removed, only added to; docs/events.md lists them for producers.
 */
public enum DecodeError {
  /** Empty, or the first bytes are none of the three formats (see {@link EventFormat#detect}). */
  NOT_AN_EVENT("the first bytes are not Avro single-object, Confluent or JSON"),
  /** A recognised format that this codec does not take here (e.g. Confluent, no registry). */
  UNSUPPORTED_FORMAT("a format this reader is not configured for"),
  /** Not well-formed JSON, not a JSON object, duplicate keys, or trailing content. */
  BAD_JSON("malformed JSON or not a JSON object"),
  /** An Avro body that does not decode: truncated, corrupt, trailing bytes, invalid UTF-8. */
  BAD_AVRO("malformed Avro binary"),
  /** Single-object encoding with a writer-schema fingerprint this reader does not ship. */
  UNKNOWN_FINGERPRINT("unknown Avro schema fingerprint"),
  /** Confluent wire format with a schema id the registry does not know. */
  UNKNOWN_SCHEMA_ID("unknown schema registry id"),
  /** The writer schema cannot be read as this record's schema, or is not an Avro schema. */
  INCOMPATIBLE_SCHEMA("writer schema incompatible with the reader schema"),
  /**
   * The schema registry could not be asked (down, timed out, refused, answered nonsense). The
   * record is not at fault: see {@link #retriable()}.
   */
  REGISTRY_UNAVAILABLE("schema registry unavailable"),
  /** A required field is absent. */
  MISSING_FIELD("a required field is missing"),
  /** A field that this record or operation does not have (typos are refused, not ignored). */
  UNKNOWN_FIELD("a field that does not exist here"),
  /** A field of the wrong type, out of range, malformed, or not allowed with another field. */
  BAD_FIELD("a field with a wrong or disallowed value"),
  /** The Kafka key is missing or is not the event's graph id. */
  KEY_MISMATCH("the Kafka key is not the graph id");

  private final String description;

  DecodeError(String description) {
    this.description = description;
  }

  /** One line for a table or a log: what the code means. */
  public String description() {
    return description;
  }

  /**
   * Whether the record itself may be fine and decoding it again later can succeed. Only {@link
   * #REGISTRY_UNAVAILABLE} is: such a record must not go to the dead-letter topic, its consumer
   * should back off and retry (or stop), or it would dead-letter every record.
   */
  public boolean retriable() {
    return this == REGISTRY_UNAVAILABLE;
  }
}
