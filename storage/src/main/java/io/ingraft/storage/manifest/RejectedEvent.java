package io.ingraft.storage.manifest;

import java.util.Objects;

/**
 * An event a manifest version refused, recorded so that its dead letter can be re-sent exactly once
 * by whichever writer owns the graph next: the event id, the engine's rejection code and message,
 * and the event's offset in its source partition (the graph log).
 */
public record RejectedEvent(String eventId, String code, String message, long offset) {
  /** Longest message kept: the dead letter's reason header is cut to the same length. */
  public static final int MAX_MESSAGE_CHARS = 1000;

  public RejectedEvent {
    Objects.requireNonNull(code, "code");
    message = message == null ? "" : message;
    if (message.length() > MAX_MESSAGE_CHARS) {
      message = message.substring(0, MAX_MESSAGE_CHARS);
    }
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0: " + offset);
    }
  }
}
