package io.ingraft.events;

import java.util.Objects;

/**
 * A record that cannot be decoded or is not a valid event, with a stable {@link #code()} for
 * dead-letter headers and metrics, the {@link #path()} of the offending field in the JSON form
 * (e.g. {@code mutation.ops[2].key}; empty for the record as a whole) and a human message. The
 * codecs throw nothing else for bad input, whatever the bytes are.
 */
public final class EventDecodeException extends RuntimeException {
  private final DecodeError code;
  private final String path;
  private final String problem;

  public EventDecodeException(DecodeError code, String path, String problem) {
    this(code, path, problem, null);
  }

  public EventDecodeException(DecodeError code, String path, String problem, Throwable cause) {
    super(
        code.name() + (path == null || path.isEmpty() ? "" : " at " + path) + ": " + problem,
        cause);
    this.code = Objects.requireNonNull(code, "code");
    this.path = path == null ? "" : path;
    this.problem = problem;
  }

  /** The machine code: stable, documented in docs/events.md. */
  public DecodeError code() {
    return code;
  }

  /** Where in the record, as a JSON path like {@code load.edges.Knows[3].from}; may be empty. */
  public String path() {
    return path;
  }

  /** The message without code and path, e.g. {@code updateNode needs a key}. */
  public String problem() {
    return problem;
  }
}
