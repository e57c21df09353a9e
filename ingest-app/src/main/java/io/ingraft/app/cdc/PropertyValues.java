package io.ingraft.app.cdc;

import io.ingraft.engine.schema.InvalidValueException;
import io.ingraft.engine.schema.Property;
import io.ingraft.engine.schema.PropertyType;
import io.ingraft.engine.schema.ScalarKind;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Turns a converted column value ({@link DebeziumValues}) into the value an event carries for a
 * property of a given type (docs/cdc.md, "Types"), and checks it with the property's own rules, so
 * a value that does not fit is refused in stage 1 with {@link CdcRejection#CDC_BAD_VALUE}, never
 * stored changed: a decimal goes to an F64 only when the double holds it exactly, a timestamp to a
 * DateTime only at microsecond precision or coarser, an integer to an I32 only in range. The result
 * is what an event's property map holds: String, Long, Double, Boolean or a list of them.
 */
final class PropertyValues {
  /** Debezium's default stand-in for an unchanged TOASTed column it did not read. */
  static final String UNAVAILABLE = "__debezium_unavailable_value";

  private PropertyValues() {}

  /**
   * The event value of {@code value} for {@code property} (of column {@code column}).
   *
   * @throws ChangeDecodeException CDC_BAD_VALUE when it does not fit
   */
  static Object of(String column, Object value, Property property) {
    if (value == null) {
      if (!property.nullable()) {
        throw bad(column, property, value, "the property is not nullable");
      }
      return null;
    }
    Object out = convert(column, value, property.type(), property);
    try {
      property.coerce(out);
    } catch (InvalidValueException e) {
      throw bad(column, property, value, e.getMessage());
    }
    return out;
  }

  /** A key value for a node key of type {@code kind}: Long for I32/I64, String otherwise. */
  static Object key(String column, Object value, ScalarKind kind) {
    if (kind == ScalarKind.STRING) {
      return text(value);
    }
    Object number = integral(value);
    if (number == null) {
      throw new ChangeDecodeException(
          CdcRejection.CDC_BAD_VALUE,
          column,
          "column "
              + column
              + ": key value "
              + DebeziumValues.describe(value)
              + " is not an integer, and the key"
              + " is "
              + kind.languageName());
    }
    return number;
  }

  /** The text of a value in a key string: ISO dates and times, plain decimals, base64 bytes. */
  static String text(Object value) {
    if (value instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (value instanceof byte[] b) {
      return Base64.getEncoder().encodeToString(b);
    }
    return String.valueOf(value);
  }

  private static Object convert(String column, Object value, PropertyType type, Property property) {
    if (type instanceof PropertyType.EnumOf) {
      return value instanceof String ? value : text(value);
    }
    if (type instanceof PropertyType.Vector || type instanceof PropertyType.ListOf) {
      if (!(value instanceof List<?> list)) {
        throw bad(column, property, value, "expected an array");
      }
      PropertyType element = type instanceof PropertyType.ListOf l ? l.element() : PropertyType.F64;
      List<Object> out = new ArrayList<>(list.size());
      for (Object item : list) {
        out.add(item == null ? null : convert(column, item, element, property));
      }
      return out;
    }
    ScalarKind kind = ((PropertyType.Scalar) type).kind();
    switch (kind) {
      case STRING:
        if (value instanceof List<?>) {
          throw bad(column, property, value, "an array does not fit a String");
        }
        return value instanceof Instant || value instanceof LocalDate || value instanceof LocalTime
            ? value.toString()
            : text(value);
      case BOOL:
        return value;
      case I32:
      case I64:
        {
          Object number = integral(value);
          if (number == null) {
            throw bad(column, property, value, "not an integer");
          }
          return number;
        }
      case F32:
      case F64:
        return floating(column, value, property);
      case DATE:
        if (value instanceof LocalDate date) {
          return date.toString();
        }
        if (value instanceof Long days) {
          // The JSON converter without schemas: Debezium's Date is days since the epoch.
          return LocalDate.ofEpochDay(days).toString();
        }
        return value;
      case DATE_TIME:
        if (value instanceof Instant instant) {
          if (instant.getNano() % 1_000 != 0) {
            throw bad(
                column,
                property,
                value,
                "nanosecond precision does not fit a DateTime" + " (microseconds)");
          }
          return instant.toString();
        }
        return value;
      case BLOB:
        return value instanceof byte[] bytes ? Base64.getEncoder().encodeToString(bytes) : value;
      default:
        return value;
    }
  }

  /** Long for an integral value (numbers and numeric strings), else null. */
  private static Object integral(Object value) {
    if (value instanceof Long) {
      return value;
    }
    BigDecimal decimal = decimal(value);
    if (decimal == null) {
      return null;
    }
    try {
      return decimal.stripTrailingZeros().longValueExact();
    } catch (ArithmeticException e) {
      return null;
    }
  }

  private static Object floating(String column, Object value, Property property) {
    if (value instanceof Double) {
      return value;
    }
    BigDecimal decimal = decimal(value);
    if (decimal == null) {
      throw bad(column, property, value, "not a number");
    }
    double d = decimal.doubleValue();
    // Exact when the double's shortest decimal form is the same number: 12.50 -> 12.5 is,
    // 0.1000000000000000055 is not.
    if (Double.isInfinite(d) || new BigDecimal(Double.toString(d)).compareTo(decimal) != 0) {
      throw bad(
          column,
          property,
          value,
          "the decimal "
              + decimal.toPlainString()
              + " has no exact "
              + property.type()
              + " (map the column to a String property to keep"
              + " it exactly)");
    }
    return d;
  }

  private static BigDecimal decimal(Object value) {
    if (value instanceof BigDecimal d) {
      return d;
    }
    if (value instanceof Long l) {
      return BigDecimal.valueOf(l);
    }
    if (value instanceof Double d) {
      return Double.isFinite(d) ? new BigDecimal(Double.toString(d)) : null;
    }
    if (value instanceof String s) {
      // decimal.handling.mode=string sends numeric columns as text.
      try {
        return new BigDecimal(s.trim());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  private static ChangeDecodeException bad(
      String column, Property property, Object value, String why) {
    return new ChangeDecodeException(
        CdcRejection.CDC_BAD_VALUE,
        column,
        "column "
            + column
            + " -> "
            + property.name()
            + ": "
            + property.type()
            + (property.nullable() ? "?" : "")
            + " cannot take "
            + DebeziumValues.describe(value)
            + ": "
            + why);
  }
}
