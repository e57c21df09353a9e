package io.ingraft.events;

/**
 * A schema registry call that failed, with its {@link Kind}, the HTTP status (0 when no response
 * came) and the registry's {@code error_code} (0 when it gave none, e.g. 40403 for an unknown
 * schema id). Decoding maps NOT_FOUND to UNKNOWN_SCHEMA_ID, NOT_AVRO to INCOMPATIBLE_SCHEMA and
 * every other kind to the retriable REGISTRY_UNAVAILABLE.
 */
public final class SchemaRegistryException extends RuntimeException {
  /** What went wrong, coarse enough to act on. */
  public enum Kind {
    /** No answer: connection refused, timeout, interrupted; or a 5xx, 408 or 429 status. */
    UNAVAILABLE,
    /** The subject or schema id does not exist (HTTP 404 with a registry error code). */
    NOT_FOUND,
    /** The id exists but names a Protobuf or JSON Schema schema, not an Avro one. */
    NOT_AVRO,
    /** Any other 4xx: incompatible or invalid schema, unauthorised, forbidden. */
    REJECTED,
    /** An answer that is not what a schema registry sends (a 404 page, bad JSON, no id). */
    BAD_RESPONSE
  }

  private final Kind kind;
  private final int httpStatus;
  private final int errorCode;

  public SchemaRegistryException(
      Kind kind, int httpStatus, int errorCode, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  public Kind kind() {
    return kind;
  }

  /** The HTTP status of the answer, 0 when none came. */
  public int httpStatus() {
    return httpStatus;
  }

  /** The registry's {@code error_code} from the answer, 0 when it gave none. */
  public int errorCode() {
    return errorCode;
  }
}
