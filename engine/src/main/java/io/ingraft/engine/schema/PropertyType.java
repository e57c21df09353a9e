package io.ingraft.engine.schema;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The type of a property: a {@link Scalar}, a {@link Vector} of floats, a {@link ListOf} scalars or
 * enums, or an {@link EnumOf} a closed set of strings. {@link #toString()} gives the type as
 * written in the schema language ({@code I32}, {@code Vector(8)}, {@code [String]}, {@code enum(a,
 * b)}), and {@link #coerce(Object)} turns a JSON-shaped Java value into the value the Arrow writer
 * expects (see {@code docs/schema.md} for the table).
 */
public sealed interface PropertyType
    permits PropertyType.Scalar, PropertyType.Vector, PropertyType.ListOf, PropertyType.EnumOf {

  /** Largest String or enum value (UTF-8 bytes) and largest decoded Blob accepted by coerce. */
  int MAX_VALUE_BYTES = 1 << 20;

  /** Largest Vector dimension; far above any embedding model, small enough to bound one row. */
  int MAX_VECTOR_DIMENSION = 65_536;

  Scalar STRING = new Scalar(ScalarKind.STRING);
  Scalar BOOL = new Scalar(ScalarKind.BOOL);
  Scalar I32 = new Scalar(ScalarKind.I32);
  Scalar I64 = new Scalar(ScalarKind.I64);
  Scalar F32 = new Scalar(ScalarKind.F32);
  Scalar F64 = new Scalar(ScalarKind.F64);
  Scalar DATE = new Scalar(ScalarKind.DATE);
  Scalar DATE_TIME = new Scalar(ScalarKind.DATE_TIME);
  Scalar BLOB = new Scalar(ScalarKind.BLOB);

  /**
   * Converts a JSON-shaped value (String, Integer, Long, BigInteger, Double, BigDecimal, Boolean,
   * List, as Jackson's {@code convertValue(node, Object.class)} produces) into the Java value the
   * Arrow writer expects for this type. Values already in that form (LocalDate, Instant, byte[],
   * float[]) are accepted too, so coercing twice is harmless. {@code null} passes through:
   * nullability belongs to the {@link Property}, see {@link Property#coerce(Object)}.
   *
   * @throws InvalidValueException if the value does not fit this type
   */
  default Object coerce(Object value) {
    return ValueCoercion.coerce(this, null, value);
  }

  /** Whether {@code @unique} may be declared on a property of this type. */
  boolean supportsUnique();

  /** Whether {@code @index} may be declared on a property of this type. */
  boolean supportsIndex();

  /** One of the {@link ScalarKind}s. */
  record Scalar(ScalarKind kind) implements PropertyType {
    public Scalar {
      Objects.requireNonNull(kind, "kind");
    }

    @Override
    public boolean supportsUnique() {
      return kind != ScalarKind.BLOB;
    }

    @Override
    public boolean supportsIndex() {
      return kind != ScalarKind.BLOB;
    }

    @Override
    public String toString() {
      return kind.languageName();
    }
  }

  /** A fixed-length vector of {@code dimension} non-null 32-bit floats (an embedding). */
  record Vector(int dimension) implements PropertyType {
    public Vector {
      if (dimension < 1 || dimension > MAX_VECTOR_DIMENSION) {
        throw new IllegalArgumentException(
            "vector dimension must be in 1.." + MAX_VECTOR_DIMENSION + ": " + dimension);
      }
    }

    @Override
    public boolean supportsUnique() {
      return false;
    }

    /** A vector index (nearest-neighbour search) is the point of declaring one. */
    @Override
    public boolean supportsIndex() {
      return true;
    }

    @Override
    public String toString() {
      return "Vector(" + dimension + ")";
    }
  }

  /** A variable-length list of non-null elements of a scalar or enum type. */
  record ListOf(PropertyType element) implements PropertyType {
    public ListOf {
      Objects.requireNonNull(element, "element");
      if (!(element instanceof Scalar) && !(element instanceof EnumOf)) {
        throw new IllegalArgumentException(
            "a list element must be a scalar or enum type: " + element);
      }
    }

    @Override
    public boolean supportsUnique() {
      return false;
    }

    @Override
    public boolean supportsIndex() {
      return false;
    }

    @Override
    public String toString() {
      return "[" + element + "]";
    }
  }

  /**
   * A string restricted to a declared set of values, stored as Utf8. Values are identifiers ({@code
   * [A-Za-z_][A-Za-z0-9_]{0,127}}) so that the set can be written back without quoting.
   */
  record EnumOf(List<String> values) implements PropertyType {
    private static final Pattern VALUE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

    public EnumOf {
      values = List.copyOf(values);
      if (values.isEmpty()) {
        throw new IllegalArgumentException("an enum needs at least one value");
      }
      Set<String> seen = new HashSet<>();
      for (String value : values) {
        if (!VALUE.matcher(value).matches()) {
          throw new IllegalArgumentException("invalid enum value '" + value + "'");
        }
        if (!seen.add(value)) {
          throw new IllegalArgumentException("duplicate enum value '" + value + "'");
        }
      }
    }

    /** Whether {@code value} is one of the declared values (case-sensitive). */
    public boolean contains(String value) {
      return values.contains(value);
    }

    static boolean isValidValue(String value) {
      return VALUE.matcher(value).matches();
    }

    @Override
    public boolean supportsUnique() {
      return true;
    }

    @Override
    public boolean supportsIndex() {
      return true;
    }

    @Override
    public String toString() {
      return "enum(" + String.join(", ", values) + ")";
    }
  }
}
