package io.ingraft.engine.schema;

import io.ingraft.engine.schema.InvalidValueException.Problem;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The conversions behind {@link PropertyType#coerce(Object)} and {@link Property#coerce(Object)}.
 * Strict on purpose: a string is never read as a number nor a number as a string, because an event
 * that silently changes meaning on the way in is worse than one that lands in the DLQ.
 */
final class ValueCoercion {
  /** Characters of a value kept in an exception's summary. */
  private static final int SUMMARY_CHARS = 100;

  /** Characters of one string kept in a summary, leaving room for its length note. */
  private static final int STRING_CHARS = 60;

  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  private ValueCoercion() {}

  /** Where a failure happened, so the exception names the property and the list element. */
  private record Site(String property, PropertyType type, String where) {
    Site element(int index) {
      return new Site(property, type, where + "element " + index + ": ");
    }

    InvalidValueException fail(Object value, Problem problem, String reason) {
      return new InvalidValueException(property, type, summarize(value), problem, where + reason);
    }

    InvalidValueException expected(String what, Object value) {
      return fail(value, Problem.WRONG_KIND, "expected " + what + ", found " + summarize(value));
    }
  }

  static Object coerce(PropertyType type, String property, Object value) {
    if (value == null) {
      return null;
    }
    return coerce(type, value, new Site(property, type, ""));
  }

  private static Object coerce(PropertyType type, Object value, Site site) {
    if (type instanceof PropertyType.Scalar scalar) {
      return scalar(scalar.kind(), value, site);
    }
    if (type instanceof PropertyType.EnumOf enumOf) {
      return enumValue(enumOf, value, site);
    }
    if (type instanceof PropertyType.Vector vector) {
      return vector(vector.dimension(), value, site);
    }
    return list(((PropertyType.ListOf) type).element(), value, site);
  }

  private static Object scalar(ScalarKind kind, Object value, Site site) {
    switch (kind) {
      case STRING:
        return string(value, site);
      case BOOL:
        if (value instanceof Boolean) {
          return value;
        }
        throw site.expected("a boolean", value);
      case I32:
        return (int) integer(value, site, Integer.MIN_VALUE, Integer.MAX_VALUE, "I32");
      case I64:
        return integer(value, site, Long.MIN_VALUE, Long.MAX_VALUE, "I64");
      case F32:
        return (float) floating(value, site, true);
      case F64:
        return floating(value, site, false);
      case DATE:
        return date(value, site);
      case DATE_TIME:
        return dateTime(value, site);
      case BLOB:
        return blob(value, site);
      default:
        throw new IllegalStateException("unhandled scalar kind " + kind);
    }
  }

  private static String string(Object value, Site site) {
    if (!(value instanceof String s)) {
      throw site.expected("a string", value);
    }
    if (utf8LongerThan(s, PropertyType.MAX_VALUE_BYTES)) {
      throw site.fail(
          value,
          Problem.OVERSIZED,
          "string of "
              + utf8Length(s)
              + " UTF-8 bytes is larger than the limit of "
              + PropertyType.MAX_VALUE_BYTES
              + " bytes");
    }
    int lone = UnicodeText.loneSurrogate(s);
    if (lone >= 0) {
      throw site.fail(
          value,
          Problem.NOT_UNICODE,
          "string has a lone UTF-16 surrogate at index " + lone + " (no UTF-8 form)");
    }
    return s;
  }

  private static String enumValue(PropertyType.EnumOf type, Object value, Site site) {
    if (!(value instanceof String s)) {
      throw site.expected("one of " + String.join(", ", type.values()), value);
    }
    if (!type.contains(s)) {
      throw site.fail(
          value,
          Problem.NOT_IN_ENUM,
          summarize(s) + " is not one of " + String.join(", ", type.values()));
    }
    return s;
  }

  /**
   * JSON does not tell 2 from 2.0, so any number with no fractional part is an integer; the exact
   * decimal value decides, never a rounded double.
   */
  private static long integer(Object value, Site site, long min, long max, String typeName) {
    if (value instanceof Integer
        || value instanceof Long
        || value instanceof Short
        || value instanceof Byte) {
      long v = ((Number) value).longValue();
      if (v < min || v > max) {
        throw outOfRange(value, site, min, max, typeName);
      }
      return v;
    }
    BigDecimal exact;
    if (value instanceof BigInteger big) {
      exact = new BigDecimal(big);
    } else if (value instanceof BigDecimal decimal) {
      exact = decimal;
    } else if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (!Double.isFinite(d)) {
        throw site.fail(value, Problem.NOT_AN_INTEGER, "expected an integer, found " + d);
      }
      exact = new BigDecimal(d);
    } else {
      throw site.expected("an integer", value);
    }
    if (exact.signum() != 0 && exact.stripTrailingZeros().scale() > 0) {
      throw site.fail(
          value, Problem.NOT_AN_INTEGER, "expected an integer, found " + summarize(value));
    }
    // Checked before toBigInteger so that 1e1000000000 is not expanded into a huge number.
    if (exact.precision() - exact.scale() > 19) {
      throw outOfRange(value, site, min, max, typeName);
    }
    BigInteger whole = exact.toBigInteger();
    if (whole.compareTo(LONG_MIN) < 0 || whole.compareTo(LONG_MAX) > 0) {
      throw outOfRange(value, site, min, max, typeName);
    }
    long v = whole.longValue();
    if (v < min || v > max) {
      throw outOfRange(value, site, min, max, typeName);
    }
    return v;
  }

  private static InvalidValueException outOfRange(
      Object value, Site site, long min, long max, String typeName) {
    return site.fail(
        value,
        Problem.OUT_OF_RANGE,
        summarize(value) + " is outside the " + typeName + " range " + min + ".." + max);
  }

  private static double floating(Object value, Site site, boolean single) {
    if (!(value instanceof Number number)) {
      throw site.expected("a number", value);
    }
    double d = number.doubleValue();
    if (!Double.isFinite(d) || (single && Math.abs(d) > Float.MAX_VALUE)) {
      throw site.fail(
          value,
          Problem.OUT_OF_RANGE,
          summarize(value) + " is not a finite " + (single ? "F32" : "F64") + " number");
    }
    return d;
  }

  private static LocalDate date(Object value, Site site) {
    LocalDate date;
    if (value instanceof LocalDate given) {
      date = given;
    } else if (value instanceof String s) {
      try {
        date = LocalDate.parse(s, DateTimeFormatter.ISO_LOCAL_DATE);
      } catch (DateTimeException e) {
        throw site.fail(
            value,
            Problem.MALFORMED,
            "expected an ISO-8601 date like 2024-01-31, found " + summarize(value));
      }
    } else {
      throw site.expected("an ISO-8601 date string like 2024-01-31", value);
    }
    long day = date.toEpochDay();
    // Date(DAY) stores the day as a signed 32-bit count.
    if (day < Integer.MIN_VALUE || day > Integer.MAX_VALUE) {
      throw site.fail(value, Problem.OUT_OF_RANGE, summarize(value) + " is outside the Date range");
    }
    return date;
  }

  /** Arrow stores microseconds since the epoch in an int64, so finer digits are truncated. */
  private static Instant dateTime(Object value, Site site) {
    Instant instant;
    if (value instanceof Instant given) {
      instant = given;
    } else if (value instanceof String s) {
      try {
        instant = OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
      } catch (DateTimeException e) {
        throw site.fail(
            value,
            Problem.MALFORMED,
            "expected an ISO-8601 date-time with an offset"
                + " like 2024-01-31T10:15:30Z, found "
                + summarize(value));
      }
    } else if (value instanceof Number) {
      instant =
          Instant.ofEpochMilli(
              integer(value, site, Long.MIN_VALUE, Long.MAX_VALUE, "epoch milliseconds"));
    } else {
      throw site.expected("an ISO-8601 date-time string or epoch milliseconds", value);
    }
    try {
      Math.addExact(
          Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    } catch (ArithmeticException e) {
      throw site.fail(
          value,
          Problem.OUT_OF_RANGE,
          summarize(value) + " is outside the DateTime range (int64 microseconds)");
    }
    return instant.truncatedTo(ChronoUnit.MICROS);
  }

  private static byte[] blob(Object value, Site site) {
    byte[] bytes;
    if (value instanceof byte[] given) {
      bytes = given;
    } else if (value instanceof String s) {
      // Four base64 characters carry three bytes: refuse before decoding a huge string.
      if (s.length() / 4L * 3L > PropertyType.MAX_VALUE_BYTES + 3L) {
        throw oversizedBlob(value, site, s.length() / 4L * 3L);
      }
      try {
        bytes = Base64.getDecoder().decode(s);
      } catch (IllegalArgumentException e) {
        throw site.fail(
            value,
            Problem.MALFORMED,
            "expected a base64 string (RFC 4648 standard alphabet), found " + summarize(value));
      }
    } else {
      throw site.expected("a base64 string", value);
    }
    if (bytes.length > PropertyType.MAX_VALUE_BYTES) {
      throw oversizedBlob(value, site, bytes.length);
    }
    return bytes;
  }

  private static InvalidValueException oversizedBlob(Object value, Site site, long bytes) {
    return site.fail(
        value,
        Problem.OVERSIZED,
        "blob of about "
            + bytes
            + " bytes is larger than the limit of "
            + PropertyType.MAX_VALUE_BYTES
            + " bytes");
  }

  private static float[] vector(int dimension, Object value, Site site) {
    if (value instanceof float[] given) {
      if (given.length != dimension) {
        throw wrongDimension(value, site, dimension, given.length);
      }
      for (int i = 0; i < given.length; i++) {
        if (!Float.isFinite(given[i])) {
          throw site.element(i)
              .fail(given[i], Problem.OUT_OF_RANGE, given[i] + " is not a finite F32 number");
        }
      }
      return given;
    }
    if (!(value instanceof List<?> list)) {
      throw site.expected("a list of " + dimension + " numbers", value);
    }
    if (list.size() != dimension) {
      throw wrongDimension(value, site, dimension, list.size());
    }
    float[] out = new float[dimension];
    int i = 0;
    for (Object element : list) {
      Site at = site.element(i);
      if (element == null) {
        throw at.fail(null, Problem.NULL_ELEMENT, "vector elements cannot be null");
      }
      out[i++] = (float) floating(element, at, true);
    }
    return out;
  }

  private static InvalidValueException wrongDimension(
      Object value, Site site, int dimension, int actual) {
    return site.fail(
        value, Problem.WRONG_DIMENSION, "expected " + dimension + " elements, found " + actual);
  }

  private static List<Object> list(PropertyType element, Object value, Site site) {
    if (!(value instanceof List<?> list)) {
      throw site.expected("a list", value);
    }
    List<Object> out = new ArrayList<>(list.size());
    int i = 0;
    for (Object item : list) {
      Site at = site.element(i++);
      if (item == null) {
        throw at.fail(null, Problem.NULL_ELEMENT, "list elements cannot be null");
      }
      out.add(coerce(element, item, at));
    }
    return List.copyOf(out);
  }

  /**
   * Whether the UTF-8 form of {@code s} is longer than {@code limit} bytes; counts only when the
   * answer is not clear from the length (a char is 1 to 3 bytes).
   */
  static boolean utf8LongerThan(String s, long limit) {
    return s.length() > limit || (s.length() * 3L > limit && utf8Length(s) > limit);
  }

  /** UTF-8 length without encoding: a char is 1 to 3 bytes, a surrogate pair 4. */
  static long utf8Length(String s) {
    long bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  /** A short JSON-like rendering of a value for messages; long values are cut. */
  static String summarize(Object value) {
    StringBuilder out = new StringBuilder();
    render(value, out);
    if (out.length() > SUMMARY_CHARS) {
      out.setLength(SUMMARY_CHARS);
      out.append("...");
    }
    return out.toString();
  }

  private static void render(Object value, StringBuilder out) {
    if (out.length() > SUMMARY_CHARS) {
      return;
    }
    if (value instanceof String s) {
      out.append('"');
      int shown = Math.min(s.length(), STRING_CHARS);
      if (shown < s.length() && Character.isHighSurrogate(s.charAt(shown - 1))) {
        shown--;
      }
      for (int i = 0; i < shown; i++) {
        char c = s.charAt(i);
        if (c == '"' || c == '\\') {
          out.append('\\').append(c);
        } else if (c < 0x20) {
          out.append(String.format("\\u%04x", (int) c));
        } else {
          out.append(c);
        }
      }
      out.append(shown < s.length() ? "...\" (" + s.length() + " chars)" : "\"");
    } else if (value instanceof List<?> list) {
      out.append('[');
      renderAll(list.iterator(), list.size(), out);
      out.append(']');
    } else if (value instanceof Map<?, ?> map) {
      out.append('{');
      Iterator<? extends Map.Entry<?, ?>> entries = map.entrySet().iterator();
      boolean first = true;
      while (entries.hasNext() && out.length() <= SUMMARY_CHARS) {
        Map.Entry<?, ?> entry = entries.next();
        out.append(first ? "" : ", ");
        first = false;
        render(String.valueOf(entry.getKey()), out);
        out.append(": ");
        render(entry.getValue(), out);
      }
      out.append('}');
    } else if (value instanceof byte[] bytes) {
      out.append("<").append(bytes.length).append(" bytes>");
    } else if (value instanceof float[] floats) {
      List<Float> boxed = new ArrayList<>();
      for (int i = 0; i < floats.length && i < STRING_CHARS / 2; i++) {
        boxed.add(floats[i]);
      }
      out.append('[');
      renderAll(boxed.iterator(), floats.length, out);
      out.append(']');
    } else {
      out.append(value);
    }
  }

  private static void renderAll(Iterator<?> items, int size, StringBuilder out) {
    int shown = 0;
    while (items.hasNext() && out.length() <= SUMMARY_CHARS) {
      out.append(shown == 0 ? "" : ", ");
      render(items.next(), out);
      shown++;
    }
    if (shown < size) {
      out.append(", ... (").append(size).append(" elements)");
    }
  }
}
