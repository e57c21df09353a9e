package io.ingraft.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Typed, strict access to the fields of one JSON object at a known path, so that every problem is
 * reported with the code and the path of the field: absent (MISSING_FIELD), of the wrong type or
 * range (BAD_FIELD), or not one of the object's fields (UNKNOWN_FIELD). A JSON {@code null} in an
 * optional field means absent.
 */
final class JsonFields {
  private final ObjectNode node;
  private final String path;

  private JsonFields(ObjectNode node, String path) {
    this.node = node;
    this.path = path;
  }

  /** The fields of {@code node}, which must be an object (BAD_FIELD otherwise). */
  static JsonFields of(JsonNode node, String path) {
    if (node == null || !node.isObject()) {
      throw new EventDecodeException(
          DecodeError.BAD_FIELD, path, "expected an object, found " + describe(node));
    }
    return new JsonFields((ObjectNode) node, path);
  }

  ObjectNode node() {
    return node;
  }

  String path() {
    return path;
  }

  /** The path of a field of this object. */
  String at(String field) {
    return child(path, field);
  }

  static String child(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  static String index(String path, int index) {
    return path + "[" + index + "]";
  }

  /** Refuses the first field (in document order) that is not in {@code allowed}. */
  void allowOnly(Set<String> allowed, String what) {
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String name = field.getKey();
      if (!allowed.contains(name)) {
        throw new EventDecodeException(
            DecodeError.UNKNOWN_FIELD,
            at(name),
            what + " has no field \"" + name + "\"; its fields are " + String.join(", ", allowed));
      }
    }
  }

  boolean has(String field) {
    JsonNode value = node.get(field);
    return value != null && !value.isNull();
  }

  /** The field's value, or null when absent or JSON null. */
  JsonNode optional(String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value;
  }

  JsonNode required(String field) {
    JsonNode value = node.get(field);
    if (value == null) {
      throw new EventDecodeException(
          DecodeError.MISSING_FIELD, at(field), "required field \"" + field + "\" is missing");
    }
    if (value.isNull()) {
      throw new EventDecodeException(
          DecodeError.BAD_FIELD, at(field), "\"" + field + "\" cannot be null");
    }
    return value;
  }

  String requiredString(String field) {
    return string(required(field), at(field));
  }

  String optionalString(String field) {
    JsonNode value = optional(field);
    return value == null ? null : string(value, at(field));
  }

  long requiredLong(String field) {
    return integer(required(field), at(field));
  }

  Long optionalLong(String field) {
    JsonNode value = optional(field);
    return value == null ? null : integer(value, at(field));
  }

  boolean requiredBoolean(String field) {
    JsonNode value = required(field);
    if (!value.isBoolean()) {
      throw new EventDecodeException(
          DecodeError.BAD_FIELD, at(field), "expected true or false, found " + describe(value));
    }
    return value.booleanValue();
  }

  int requiredInt(String field) {
    long value = requiredLong(field);
    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
      throw new EventDecodeException(
          DecodeError.BAD_FIELD, at(field), value + " is outside the 32-bit integer range");
    }
    return (int) value;
  }

  static String string(JsonNode value, String path) {
    if (!value.isTextual()) {
      throw new EventDecodeException(
          DecodeError.BAD_FIELD, path, "expected a string, found " + describe(value));
    }
    return value.textValue();
  }

  /** A JSON integer in the signed 64-bit range; 2.0 is not an integer here. */
  static long integer(JsonNode value, String path) {
    if (!value.isIntegralNumber()) {
      throw new EventDecodeException(
          DecodeError.BAD_FIELD, path, "expected an integer, found " + describe(value));
    }
    if (!value.canConvertToLong()) {
      throw new EventDecodeException(
          DecodeError.BAD_FIELD,
          path,
          "integer " + abbreviate(value.asText()) + " is outside the 64-bit range");
    }
    return value.longValue();
  }

  /** What a JSON value is, for messages: its kind and a short rendering. */
  static String describe(JsonNode value) {
    if (value == null || value.isMissingNode()) {
      return "nothing";
    }
    String kind;
    switch (value.getNodeType()) {
      case ARRAY:
        return "an array";
      case OBJECT:
        return "an object";
      case NULL:
        return "null";
      case BOOLEAN:
        kind = "a boolean";
        break;
      case NUMBER:
        kind = value.isIntegralNumber() ? "an integer" : "a number";
        break;
      case STRING:
        kind = "a string";
        break;
      default:
        kind = "a " + value.getNodeType().name().toLowerCase(Locale.ROOT);
    }
    return kind + " " + abbreviate(value.toString());
  }

  static String abbreviate(String text) {
    return text.length() <= 60 ? text : text.substring(0, 57) + "...";
  }
}
