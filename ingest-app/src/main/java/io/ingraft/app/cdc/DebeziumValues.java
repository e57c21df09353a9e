package io.ingraft.app.cdc;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Converts a column value from Debezium's encoding into a plain Java value by the column's Kafka
 * Connect type and logical name (the type table of docs/cdc.md): dates become {@link LocalDate},
 * times {@link LocalTime}, timestamps {@link Instant} at their precision, {@code Decimal} and
 * {@code VariableScaleDecimal} {@link BigDecimal}, JSON, UUID, XML and enums their text, enum sets
 * and arrays lists, bytes {@code byte[]}; integers are Long and floats Double. Without a column
 * type (the JSON converter with schemas off) a value stays as the JSON gave it. Geometries and
 * other types without a sensible property are refused.
 */
final class DebeziumValues {
  private DebeziumValues() {}

  /**
   * A column's Connect type ({@code int32}, {@code string}, {@code struct}, ...), its logical name
   * (Debezium's or Kafka Connect's semantic type, or null), its parameters, and for arrays the
   * element type.
   */
  record ColumnType(
      String type, String logicalName, Map<String, String> parameters, ColumnType items) {}

  /**
   * The value of {@code column} as a plain Java value. {@code raw} is already plain: Long, Double,
   * BigDecimal, Boolean, String, byte[] (Avro bytes), List, or Map (a struct).
   *
   * @throws ChangeDecodeException CDC_UNSUPPORTED_TYPE or CDC_BAD_VALUE
   */
  static Object convert(String column, Object raw, ColumnType type) {
    if (raw == null || type == null) {
      return raw;
    }
    String logical = type.logicalName();
    if (logical != null) {
      switch (logical) {
        case "io.debezium.time.Date", "org.apache.kafka.connect.data.Date":
          return LocalDate.ofEpochDay(integer(column, raw));
        case "io.debezium.time.Time", "org.apache.kafka.connect.data.Time":
          return LocalTime.ofNanoOfDay(
              Math.floorMod(integer(column, raw), 86_400_000L) * 1_000_000L);
        case "io.debezium.time.MicroTime":
          return LocalTime.ofNanoOfDay(
              Math.floorMod(integer(column, raw), 86_400_000_000L) * 1_000L);
        case "io.debezium.time.NanoTime":
          return LocalTime.ofNanoOfDay(Math.floorMod(integer(column, raw), 86_400_000_000_000L));
        case "io.debezium.time.Timestamp", "org.apache.kafka.connect.data.Timestamp":
          return Instant.ofEpochMilli(integer(column, raw));
        case "io.debezium.time.MicroTimestamp":
          {
            long micros = integer(column, raw);
            return Instant.ofEpochSecond(
                Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
          }
        case "io.debezium.time.NanoTimestamp":
          {
            long nanos = integer(column, raw);
            return Instant.ofEpochSecond(
                Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
          }
        case "io.debezium.time.ZonedTimestamp":
          try {
            return OffsetDateTime.parse(text(column, raw)).toInstant();
          } catch (DateTimeParseException e) {
            throw bad(column, "a ZonedTimestamp that is not ISO-8601: " + raw);
          }
        case "io.debezium.time.Year", "io.debezium.time.MicroDuration":
          return integer(column, raw);
        case "org.apache.kafka.connect.data.Decimal":
          {
            int scale = scale(column, type.parameters().get("scale"));
            return new BigDecimal(new BigInteger(bytes(column, raw)), scale);
          }
        case "io.debezium.data.VariableScaleDecimal":
          return variableScaleDecimal(column, raw);
        case "io.debezium.data.EnumSet":
          {
            String set = text(column, raw);
            return set.isEmpty() ? List.of() : Arrays.asList(set.split(","));
          }
        case "io.debezium.data.Json",
        "io.debezium.data.Uuid",
        "io.debezium.data.Xml",
        "io.debezium.data.Enum",
        "io.debezium.data.Ltree",
        "io.debezium.time.ZonedTime",
        "io.debezium.time.Interval":
          return text(column, raw);
        case "io.debezium.data.Bits":
          return bytes(column, raw);
        default:
          if (logical.startsWith("io.debezium.data.geometry.")) {
            throw new ChangeDecodeException(
                CdcRejection.CDC_UNSUPPORTED_TYPE,
                column,
                "column " + column + " is a " + logical + ", which has no property type");
          }
          // Another semantic type: its Connect type decides below.
      }
    }
    return switch (type.type()) {
      case "int8", "int16", "int32", "int64" -> integer(column, raw);
      case "float32", "float64" -> raw instanceof Number n ? n.doubleValue() : raw;
      case "bytes" -> bytes(column, raw);
      case "array" -> {
        if (!(raw instanceof List<?> list)) {
          throw bad(column, "expected an array");
        }
        List<Object> out = new ArrayList<>(list.size());
        for (Object item : list) {
          out.add(convert(column, item, type.items()));
        }
        yield out;
      }
      case "struct", "map" ->
          throw new ChangeDecodeException(
              CdcRejection.CDC_UNSUPPORTED_TYPE,
              column,
              "column "
                  + column
                  + " is a "
                  + type.type()
                  + (logical == null ? "" : " (" + logical + ")")
                  + ", which has no property type");
      default -> raw;
    };
  }

  static BigDecimal variableScaleDecimal(String column, Object raw) {
    if (!(raw instanceof Map<?, ?> struct)
        || !struct.containsKey("scale")
        || !struct.containsKey("value")) {
      throw bad(column, "a VariableScaleDecimal is a struct {scale, value}");
    }
    int scale = (int) integer(column, struct.get("scale"));
    return new BigDecimal(new BigInteger(bytes(column, struct.get("value"))), scale);
  }

  private static int scale(String column, String scale) {
    try {
      return Integer.parseInt(scale);
    } catch (NumberFormatException | NullPointerException e) {
      throw bad(column, "a Decimal without a scale parameter");
    }
  }

  private static long integer(String column, Object raw) {
    if (raw instanceof Long
        || raw instanceof Integer
        || raw instanceof Short
        || raw instanceof Byte) {
      return ((Number) raw).longValue();
    }
    if (raw instanceof BigDecimal d) {
      try {
        return d.longValueExact();
      } catch (ArithmeticException e) {
        throw bad(column, "expected a 64-bit integer, found " + d);
      }
    }
    throw bad(column, "expected an integer, found " + describe(raw));
  }

  private static String text(String column, Object raw) {
    if (raw instanceof String s) {
      return s;
    }
    throw bad(column, "expected a string, found " + describe(raw));
  }

  private static byte[] bytes(String column, Object raw) {
    if (raw instanceof byte[] b) {
      return b;
    }
    if (raw instanceof String s) {
      // The JSON converter writes bytes as base64.
      try {
        return Base64.getDecoder().decode(s);
      } catch (IllegalArgumentException e) {
        throw bad(column, "expected base64 bytes, found " + describe(raw));
      }
    }
    throw bad(column, "expected bytes, found " + describe(raw));
  }

  private static ChangeDecodeException bad(String column, String message) {
    return new ChangeDecodeException(
        CdcRejection.CDC_BAD_VALUE, column, "column " + column + ": " + message);
  }

  static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    String text = String.valueOf(value);
    return value.getClass().getSimpleName()
        + " "
        + (text.length() > 40 ? text.substring(0, 37) + "..." : text);
  }
}
