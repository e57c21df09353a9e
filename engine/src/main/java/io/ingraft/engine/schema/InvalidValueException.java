package io.ingraft.engine.schema;

import io.ingraft.engine.EngineException;
import java.util.Objects;
import java.util.Optional;

/**
 * A value that does not fit its property's type: wrong JSON kind, out of range, malformed date or
 * base64, not in the enum, wrong vector length, oversized, or null where null is not allowed. The
 * offending value is kept only as a short summary, so a huge payload never ends up in a log line or
 * a DLQ header.
 */
public final class InvalidValueException extends EngineException {
  /** What was wrong with the value, for callers that route on it (DLQ reason headers). */
  public enum Problem {
    /** null for a non-nullable property. */
    NULL_NOT_ALLOWED,
    /** A null element inside a list or vector. */
    NULL_ELEMENT,
    /** The wrong JSON kind: a string for a number, a number for a string, a map, and so on. */
    WRONG_KIND,
    /** A number with a fractional part where an integer is required. */
    NOT_AN_INTEGER,
    /** A number, date or time outside the range of the column type. */
    OUT_OF_RANGE,
    /** A string that does not parse: a date, a date-time or base64. */
    MALFORMED,
    /** A string that is not one of the enum's declared values. */
    NOT_IN_ENUM,
    /** A vector with a different number of elements than its declared dimension. */
    WRONG_DIMENSION,
    /** A string or blob larger than {@link PropertyType#MAX_VALUE_BYTES}. */
    OVERSIZED,
    /**
     * A string with a lone UTF-16 surrogate (a JSON {@code "\ud800"} escape): it has no UTF-8 form,
     * so it could not be stored as given nor found again by a filter.
     */
    NOT_UNICODE
  }

  private final String property;
  private final PropertyType type;
  private final String valueSummary;
  private final Problem problem;
  private final String reason;

  /** {@code property} is null when a bare {@link PropertyType} did the check. */
  public InvalidValueException(
      String property, PropertyType type, String valueSummary, Problem problem, String reason) {
    super(prefix(property, type) + reason);
    this.property = property;
    this.type = Objects.requireNonNull(type, "type");
    this.valueSummary = Objects.requireNonNull(valueSummary, "valueSummary");
    this.problem = Objects.requireNonNull(problem, "problem");
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  private static String prefix(String property, PropertyType type) {
    return property == null
        ? "invalid " + type + " value: "
        : "invalid value for property '" + property + "' (" + type + "): ";
  }

  /** The property checked, empty when a bare {@link PropertyType} did the check. */
  public Optional<String> property() {
    return Optional.ofNullable(property);
  }

  /** The declared type of the property (the list type for a bad list element). */
  public PropertyType type() {
    return type;
  }

  /** A short rendering of the offending value (or list element), truncated when long. */
  public String valueSummary() {
    return valueSummary;
  }

  public Problem problem() {
    return problem;
  }

  /** The message without the property prefix, e.g. {@code expected an integer, found 1.5}. */
  public String reason() {
    return reason;
  }
}
