package io.ingraft.engine.schema;

import io.ingraft.engine.EngineException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A new schema version that cannot replace the current one without rewriting or invalidating stored
 * data. {@link #reasons()} lists every refused change, not only the first, so one round trip tells
 * the author everything to fix.
 */
public final class IncompatibleSchemaChangeException extends EngineException {
  /** Reasons spelled out in the message; the rest are only counted there. */
  private static final int REASONS_IN_MESSAGE = 10;

  private final List<RejectedChange> reasons;

  public IncompatibleSchemaChangeException(List<RejectedChange> reasons) {
    super(message(reasons));
    this.reasons = List.copyOf(reasons);
  }

  private static String message(List<RejectedChange> reasons) {
    String listed =
        reasons.stream()
            .limit(REASONS_IN_MESSAGE)
            .map(RejectedChange::describe)
            .collect(Collectors.joining("; "));
    int more = reasons.size() - REASONS_IN_MESSAGE;
    return "incompatible schema change ("
        + reasons.size()
        + " rejected): "
        + listed
        + (more > 0 ? "; and " + more + " more" : "");
  }

  /** Every refused change: dropped types first, then per type in the new schema's order. */
  public List<RejectedChange> reasons() {
    return reasons;
  }
}
