package io.ingraft.engine.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.engine.schema.InvalidValueException.Problem;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CoercionTest {
  private static final PropertyType VECTOR3 = new PropertyType.Vector(3);
  private static final PropertyType STRINGS = new PropertyType.ListOf(PropertyType.STRING);
  private static final PropertyType COLOURS = new PropertyType.EnumOf(List.of("red", "green"));

  static InvalidValueException invalid(PropertyType type, Object value, Problem problem) {
    try {
      type.coerce(value);
    } catch (InvalidValueException e) {
      assertThat(e.problem()).as(e.getMessage()).isEqualTo(problem);
      assertThat(e.type()).isEqualTo(type);
      assertThat(e.property()).isEmpty();
      return e;
    }
    return fail("expected " + type + " to reject " + value);
  }

  @Test
  void strings() {
    assertThat(PropertyType.STRING.coerce("abc")).isEqualTo("abc");
    assertThat(PropertyType.STRING.coerce("")).isEqualTo("");
    InvalidValueException e = invalid(PropertyType.STRING, 12, Problem.WRONG_KIND);
    assertThat(e.getMessage()).isEqualTo("invalid String value: expected a string, found 12");
    assertThat(e.valueSummary()).isEqualTo("12");
    invalid(PropertyType.STRING, true, Problem.WRONG_KIND);
    invalid(PropertyType.STRING, List.of("a"), Problem.WRONG_KIND);
  }

  @Test
  void stringSizeLimitCountsUtf8Bytes() {
    String atLimit = "x".repeat(PropertyType.MAX_VALUE_BYTES);
    assertThat(PropertyType.STRING.coerce(atLimit)).isSameAs(atLimit);
    InvalidValueException e = invalid(PropertyType.STRING, atLimit + "x", Problem.OVERSIZED);
    assertThat(e.reason())
        .isEqualTo("string of 1048577 UTF-8 bytes is larger than the limit of 1048576 bytes");
    assertThat(e.valueSummary()).hasSizeLessThan(120).endsWith("...\" (1048577 chars)");
    assertThat(e.getMessage()).hasSizeLessThan(300);
    // 'é' is two bytes: 600k of them are 1.2 MB though only 600k chars.
    assertThat(PropertyType.STRING.coerce("\u00e9".repeat(500_000))).isNotNull();
    invalid(PropertyType.STRING, "\u00e9".repeat(600_000), Problem.OVERSIZED);
    invalid(PropertyType.STRING, "\ud83d\ude00".repeat(300_000), Problem.OVERSIZED);
  }

  @Test
  void booleans() {
    assertThat(PropertyType.BOOL.coerce(true)).isEqualTo(true);
    assertThat(PropertyType.BOOL.coerce(false)).isEqualTo(false);
    invalid(PropertyType.BOOL, "true", Problem.WRONG_KIND);
    invalid(PropertyType.BOOL, 1, Problem.WRONG_KIND);
  }

  @Test
  void i32() {
    assertThat(PropertyType.I32.coerce(42)).isEqualTo(42);
    assertThat(PropertyType.I32.coerce(42L)).isEqualTo(42);
    assertThat(PropertyType.I32.coerce(BigInteger.valueOf(-7))).isEqualTo(-7);
    assertThat(PropertyType.I32.coerce(2.0)).isEqualTo(2);
    assertThat(PropertyType.I32.coerce(new BigDecimal("3.000"))).isEqualTo(3);
    assertThat(PropertyType.I32.coerce(new BigDecimal("3E+2"))).isEqualTo(300);
    assertThat(PropertyType.I32.coerce(Integer.MIN_VALUE)).isEqualTo(Integer.MIN_VALUE);
    assertThat(PropertyType.I32.coerce((long) Integer.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
    assertThat(PropertyType.I32.coerce(0.0)).isEqualTo(0);

    InvalidValueException fraction = invalid(PropertyType.I32, 1.5, Problem.NOT_AN_INTEGER);
    assertThat(fraction.reason()).isEqualTo("expected an integer, found 1.5");
    invalid(PropertyType.I32, new BigDecimal("1.0000000001"), Problem.NOT_AN_INTEGER);
    invalid(PropertyType.I32, Double.NaN, Problem.NOT_AN_INTEGER);
    InvalidValueException range = invalid(PropertyType.I32, 2147483648L, Problem.OUT_OF_RANGE);
    assertThat(range.reason())
        .isEqualTo("2147483648 is outside the I32 range -2147483648..2147483647");
    invalid(PropertyType.I32, -2147483649L, Problem.OUT_OF_RANGE);
    invalid(PropertyType.I32, 1e300, Problem.OUT_OF_RANGE);
    invalid(
        PropertyType.I32, new BigInteger("123456789012345678901234567890"), Problem.OUT_OF_RANGE);
    invalid(PropertyType.I32, new BigDecimal("1E+1000000000"), Problem.OUT_OF_RANGE);
    InvalidValueException text = invalid(PropertyType.I32, "12", Problem.WRONG_KIND);
    assertThat(text.reason()).isEqualTo("expected an integer, found \"12\"");
  }

  @Test
  void i64() {
    assertThat(PropertyType.I64.coerce(42)).isEqualTo(42L);
    assertThat(PropertyType.I64.coerce(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    assertThat(PropertyType.I64.coerce(BigInteger.valueOf(Long.MIN_VALUE)))
        .isEqualTo(Long.MIN_VALUE);
    invalid(PropertyType.I64, BigInteger.ONE.shiftLeft(63), Problem.OUT_OF_RANGE);
    invalid(PropertyType.I64, 9.2233720368547758E18, Problem.OUT_OF_RANGE);
    invalid(PropertyType.I64, 0.5, Problem.NOT_AN_INTEGER);
    invalid(PropertyType.I64, "1", Problem.WRONG_KIND);
  }

  @Test
  void floats() {
    assertThat(PropertyType.F32.coerce(1.5)).isEqualTo(1.5f);
    assertThat(PropertyType.F32.coerce(3)).isEqualTo(3.0f);
    assertThat(PropertyType.F32.coerce(new BigDecimal("0.25"))).isEqualTo(0.25f);
    assertThat(PropertyType.F64.coerce(1.5)).isEqualTo(1.5);
    assertThat(PropertyType.F64.coerce(7L)).isEqualTo(7.0);
    assertThat(PropertyType.F64.coerce(1e300)).isEqualTo(1e300);
    assertThat(PropertyType.F64.coerce(new BigInteger("12345678901234567890")))
        .isEqualTo(1.2345678901234567e19);

    InvalidValueException e = invalid(PropertyType.F32, 1e300, Problem.OUT_OF_RANGE);
    assertThat(e.reason()).isEqualTo("1.0E300 is not a finite F32 number");
    invalid(PropertyType.F64, Double.NaN, Problem.OUT_OF_RANGE);
    invalid(PropertyType.F64, Double.POSITIVE_INFINITY, Problem.OUT_OF_RANGE);
    invalid(PropertyType.F64, new BigDecimal("1E+400"), Problem.OUT_OF_RANGE);
    invalid(PropertyType.F32, "1.5", Problem.WRONG_KIND);
    invalid(PropertyType.F64, false, Problem.WRONG_KIND);
  }

  @Test
  void dates() {
    assertThat(PropertyType.DATE.coerce("2024-01-31")).isEqualTo(LocalDate.of(2024, 1, 31));
    assertThat(PropertyType.DATE.coerce(LocalDate.of(2000, 2, 29)))
        .isEqualTo(LocalDate.of(2000, 2, 29));
    InvalidValueException e = invalid(PropertyType.DATE, "2024-02-30", Problem.MALFORMED);
    assertThat(e.reason())
        .isEqualTo("expected an ISO-8601 date like 2024-01-31, found \"2024-02-30\"");
    invalid(PropertyType.DATE, "31/01/2024", Problem.MALFORMED);
    invalid(PropertyType.DATE, "2024-01-31T00:00:00Z", Problem.MALFORMED);
    invalid(PropertyType.DATE, 20240131, Problem.WRONG_KIND);
    invalid(PropertyType.DATE, "+999999999-12-31", Problem.OUT_OF_RANGE);
  }

  @Test
  void dateTimes() {
    Instant expected = Instant.parse("2024-01-31T10:15:30Z");
    assertThat(PropertyType.DATE_TIME.coerce("2024-01-31T10:15:30Z")).isEqualTo(expected);
    assertThat(PropertyType.DATE_TIME.coerce("2024-01-31T11:15:30+01:00")).isEqualTo(expected);
    assertThat(PropertyType.DATE_TIME.coerce("2024-01-31T10:15Z"))
        .isEqualTo(Instant.parse("2024-01-31T10:15:00Z"));
    assertThat(PropertyType.DATE_TIME.coerce(expected.toEpochMilli())).isEqualTo(expected);
    assertThat(PropertyType.DATE_TIME.coerce(0)).isEqualTo(Instant.EPOCH);
    assertThat(PropertyType.DATE_TIME.coerce(expected)).isEqualTo(expected);
    // Arrow keeps microseconds: finer digits are truncated, not rounded.
    assertThat(PropertyType.DATE_TIME.coerce("2024-01-31T10:15:30.123456789Z"))
        .isEqualTo(Instant.parse("2024-01-31T10:15:30.123456Z"));
    assertThat(PropertyType.DATE_TIME.coerce("1969-12-31T23:59:59.9999999Z"))
        .isEqualTo(Instant.parse("1969-12-31T23:59:59.999999Z"));

    InvalidValueException e =
        invalid(PropertyType.DATE_TIME, "2024-01-31T10:15:30", Problem.MALFORMED);
    assertThat(e.reason())
        .isEqualTo(
            "expected an ISO-8601 date-time with an offset like"
                + " 2024-01-31T10:15:30Z, found \"2024-01-31T10:15:30\"");
    invalid(PropertyType.DATE_TIME, "yesterday", Problem.MALFORMED);
    invalid(PropertyType.DATE_TIME, 1.5, Problem.NOT_AN_INTEGER);
    invalid(PropertyType.DATE_TIME, true, Problem.WRONG_KIND);
    invalid(PropertyType.DATE_TIME, Long.MAX_VALUE, Problem.OUT_OF_RANGE);
    invalid(PropertyType.DATE_TIME, "+999999999-12-31T00:00:00Z", Problem.OUT_OF_RANGE);
  }

  @Test
  void blobs() {
    assertThat((byte[]) PropertyType.BLOB.coerce("aGVsbG8="))
        .isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
    assertThat((byte[]) PropertyType.BLOB.coerce("aGVsbG8"))
        .isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
    assertThat((byte[]) PropertyType.BLOB.coerce("")).isEmpty();
    byte[] raw = {1, 2, 3};
    assertThat((byte[]) PropertyType.BLOB.coerce(raw)).isEqualTo(raw);

    invalid(PropertyType.BLOB, "not base64!", Problem.MALFORMED);
    invalid(PropertyType.BLOB, "aGVsbG8_", Problem.MALFORMED);
    invalid(PropertyType.BLOB, 123, Problem.WRONG_KIND);
    byte[] big = new byte[PropertyType.MAX_VALUE_BYTES + 1];
    invalid(PropertyType.BLOB, Base64.getEncoder().encodeToString(big), Problem.OVERSIZED);
    invalid(PropertyType.BLOB, big, Problem.OVERSIZED);
    byte[] atLimit = new byte[PropertyType.MAX_VALUE_BYTES];
    assertThat((byte[]) PropertyType.BLOB.coerce(Base64.getEncoder().encodeToString(atLimit)))
        .hasSize(PropertyType.MAX_VALUE_BYTES);
  }

  @Test
  void vectors() {
    assertThat((float[]) VECTOR3.coerce(List.of(1, 2.5, new BigDecimal("-3"))))
        .containsExactly(1f, 2.5f, -3f);
    float[] given = {1f, 2f, 3f};
    assertThat((float[]) VECTOR3.coerce(given)).containsExactly(1f, 2f, 3f);

    InvalidValueException e = invalid(VECTOR3, List.of(1, 2), Problem.WRONG_DIMENSION);
    assertThat(e.reason()).isEqualTo("expected 3 elements, found 2");
    invalid(VECTOR3, new float[4], Problem.WRONG_DIMENSION);
    InvalidValueException element = invalid(VECTOR3, List.of(1, "x", 3), Problem.WRONG_KIND);
    assertThat(element.reason()).isEqualTo("element 1: expected a number, found \"x\"");
    assertThat(element.valueSummary()).isEqualTo("\"x\"");
    invalid(VECTOR3, Arrays.asList(1, null, 3), Problem.NULL_ELEMENT);
    invalid(VECTOR3, List.of(1, 1e300, 3), Problem.OUT_OF_RANGE);
    invalid(VECTOR3, new float[] {1f, Float.NaN, 3f}, Problem.OUT_OF_RANGE);
    invalid(VECTOR3, "1,2,3", Problem.WRONG_KIND);
  }

  @Test
  void lists() {
    assertThat(STRINGS.coerce(List.of("a", "b"))).isEqualTo(List.of("a", "b"));
    assertThat(STRINGS.coerce(List.of())).isEqualTo(List.of());
    assertThat(new PropertyType.ListOf(PropertyType.I32).coerce(List.of(1L, 2.0)))
        .isEqualTo(List.of(1, 2));
    assertThat(new PropertyType.ListOf(PropertyType.DATE).coerce(List.of("2024-01-31")))
        .isEqualTo(List.of(LocalDate.of(2024, 1, 31)));
    assertThat(new PropertyType.ListOf(COLOURS).coerce(List.of("red"))).isEqualTo(List.of("red"));

    InvalidValueException e = invalid(STRINGS, List.of("a", 5), Problem.WRONG_KIND);
    assertThat(e.getMessage())
        .isEqualTo("invalid [String] value: element 1: expected a string, found 5");
    invalid(STRINGS, Arrays.asList("a", null), Problem.NULL_ELEMENT);
    invalid(STRINGS, "a", Problem.WRONG_KIND);
    invalid(new PropertyType.ListOf(COLOURS), List.of("blue"), Problem.NOT_IN_ENUM);
  }

  @Test
  void enums() {
    assertThat(COLOURS.coerce("green")).isEqualTo("green");
    InvalidValueException e = invalid(COLOURS, "blue", Problem.NOT_IN_ENUM);
    assertThat(e.reason()).isEqualTo("\"blue\" is not one of red, green");
    invalid(COLOURS, "Red", Problem.NOT_IN_ENUM);
    invalid(COLOURS, 1, Problem.WRONG_KIND);
  }

  @Test
  void nullPassesTheTypeAndIsCheckedByTheProperty() {
    assertThat(PropertyType.I32.coerce(null)).isNull();
    assertThat(Property.of("age", PropertyType.I32, true).coerce(null)).isNull();
    try {
      Property.of("age", PropertyType.I32, false).coerce(null);
      fail("null accepted for a non-nullable property");
    } catch (InvalidValueException e) {
      assertThat(e.problem()).isEqualTo(Problem.NULL_NOT_ALLOWED);
      assertThat(e.property()).contains("age");
      assertThat(e.getMessage())
          .isEqualTo("invalid value for property 'age' (I32): the property is not nullable");
    }
  }

  @Test
  void propertyErrorsNameTheProperty() {
    try {
      Property.of("tags", STRINGS, true).coerce(List.of("ok", 7));
      fail("accepted");
    } catch (InvalidValueException e) {
      assertThat(e.property()).contains("tags");
      assertThat(e.type()).isEqualTo(STRINGS);
      assertThat(e.valueSummary()).isEqualTo("7");
      assertThat(e.getMessage())
          .isEqualTo(
              "invalid value for property 'tags' ([String]): element 1: expected a string, found 7");
    }
  }

  @Test
  void longValuesAreSummarised() {
    InvalidValueException string =
        invalid(PropertyType.I32, "z".repeat(10_000), Problem.WRONG_KIND);
    assertThat(string.valueSummary()).isEqualTo("\"" + "z".repeat(60) + "...\" (10000 chars)");
    assertThat(string.getMessage()).hasSizeLessThan(200);
    InvalidValueException list =
        invalid(
            PropertyType.STRING, java.util.Collections.nCopies(1000, 12345), Problem.WRONG_KIND);
    assertThat(list.valueSummary()).startsWith("[12345, 12345").hasSizeLessThanOrEqualTo(103);
    InvalidValueException map = invalid(PropertyType.STRING, Map.of("a", 1), Problem.WRONG_KIND);
    assertThat(map.valueSummary()).isEqualTo("{\"a\": 1}");
    InvalidValueException quoted = invalid(PropertyType.I64, "a\"b\n", Problem.WRONG_KIND);
    assertThat(quoted.valueSummary()).isEqualTo("\"a\\\"b\\u000a\"");
  }

  @Test
  void coercesWhatJacksonProducesForTheExample() throws Exception {
    GraphSchema schema = GraphSchema.parse(GraphSchemaParseTest.EXAMPLE);
    ObjectMapper mapper = new ObjectMapper();
    Object payload =
        mapper.convertValue(
            mapper.readTree(
                """
        {"name": "Ada", "age": 36, "email": null, "tags": ["math", "engines"],
         "embedding": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]}
        """),
            Object.class);
    Map<?, ?> fields = (Map<?, ?>) payload;
    NodeType person = schema.nodeType("Person").orElseThrow();
    assertThat(person.property("name").orElseThrow().coerce(fields.get("name"))).isEqualTo("Ada");
    assertThat(person.property("age").orElseThrow().coerce(fields.get("age"))).isEqualTo(36);
    assertThat(person.property("email").orElseThrow().coerce(fields.get("email"))).isNull();
    assertThat(person.property("tags").orElseThrow().coerce(fields.get("tags")))
        .isEqualTo(List.of("math", "engines"));
    assertThat((float[]) person.property("embedding").orElseThrow().coerce(fields.get("embedding")))
        .hasSize(8)
        .startsWith(0.1f);
    Object big = mapper.convertValue(mapper.readTree("99999999999999999999"), Object.class);
    assertThat(big).isInstanceOf(BigInteger.class);
    invalid(PropertyType.I64, big, Problem.OUT_OF_RANGE);
  }
}
