package io.ingraft.engine;

/**
 * One event is invalid: it is rejected whole, with a stable {@link RejectionCode} and a message
 * naming what was wrong, and the rest of its batch goes on. Thrown inside the engine while an event
 * is staged; callers see it as a rejected {@link EventResult}.
 */
public final class EventRejectedException extends EngineException {
  private final RejectionCode code;

  public EventRejectedException(RejectionCode code, String message) {
    super(message);
    this.code = code;
  }

  public EventRejectedException(RejectionCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public RejectionCode code() {
    return code;
  }
}
