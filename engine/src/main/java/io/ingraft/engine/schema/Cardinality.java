package io.ingraft.engine.schema;

import java.util.OptionalInt;

/**
 * An edge type's {@code @card(min..max)}: how many edges of that type one source node may have. An
 * empty {@code max} is {@code *}, unbounded; an edge without {@code @card} is {@code 0..*}.
 */
public record Cardinality(int min, OptionalInt max) {
  /** {@code 0..*}: what an edge type without {@code @card} allows. */
  public static final Cardinality ANY = new Cardinality(0, OptionalInt.empty());

  public Cardinality {
    if (min < 0) {
      throw new IllegalArgumentException("@card minimum must be >= 0: " + min);
    }
    if (max == null) {
      throw new NullPointerException("max");
    }
    if (max.isPresent() && max.getAsInt() < 1) {
      throw new IllegalArgumentException("@card maximum must be >= 1: " + max.getAsInt());
    }
    if (max.isPresent() && max.getAsInt() < min) {
      throw new IllegalArgumentException(
          "@card maximum " + max.getAsInt() + " is below the minimum " + min);
    }
  }

  /** {@code min..max}. */
  public static Cardinality of(int min, int max) {
    return new Cardinality(min, OptionalInt.of(max));
  }

  /** {@code min..*}. */
  public static Cardinality atLeast(int min) {
    return new Cardinality(min, OptionalInt.empty());
  }

  public boolean isUnbounded() {
    return max.isEmpty();
  }

  /** Whether a source node with {@code count} edges of this type is within bounds. */
  public boolean allows(long count) {
    return count >= min && (max.isEmpty() || count <= max.getAsInt());
  }

  /** As written in the language: {@code 0..1}, {@code 1..*}. */
  @Override
  public String toString() {
    return min + ".." + (max.isPresent() ? String.valueOf(max.getAsInt()) : "*");
  }
}
