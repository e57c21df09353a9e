package io.ingraft.app.cdc;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.ingraft.app.cdc.ChangeEvent.Operation;
import io.ingraft.app.cdc.DebeziumValues.ColumnType;
import io.ingraft.events.SchemaRegistry;
import io.ingraft.events.SchemaRegistryException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * Decodes the value of a Debezium record: a change event envelope ({@code before}, {@code after},
 * {@code source}, {@code op}, {@code ts_ms}, {@code transaction}) or a record of the transaction
 * topic (BEGIN or END). Three encodings, told apart by their first bytes: the JSON converter with
 * schemas off (the bare envelope), with schemas on ({@code {"schema", "payload"}}, whose schema
 * gives every column's type), and Avro in the Confluent wire format (byte 0, a schema id, an Avro
 * body), whose writer schema is fetched through the {@link SchemaRegistry}. Column values are
 * converted by {@link DebeziumValues}. Thread-safe.
 */
public final class DebeziumDecoder {
  /** The registry for Confluent-framed Avro, or null when none is configured. */
  private final SchemaRegistry registry;

  private final ObjectMapper json =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .build();
  private final Map<Integer, GenericDatumReader<GenericRecord>> readers = new ConcurrentHashMap<>();

  public DebeziumDecoder(SchemaRegistry registry) {
    this.registry = registry;
  }

  /** What a record of a change topic or the transaction topic holds. */
  public sealed interface Decoded permits Change, Marker {}

  /** A change event. */
  public record Change(ChangeEvent event) implements Decoded {}

  /** A BEGIN or END of the transaction topic. */
  public record Marker(TransactionMarker marker) implements Decoded {}

  /**
   * Decodes a non-null record value.
   *
   * @throws ChangeDecodeException when the value is not a Debezium record this decoder reads
   * @throws SchemaRegistryException when the registry cannot be asked (not the record's fault)
   */
  public Decoded decode(byte[] value) {
    if (value.length > 0 && value[0] == 0) {
      return decodeAvro(value);
    }
    JsonNode root;
    try {
      root = json.readTree(value);
    } catch (IOException e) {
      throw notAChange("", "not JSON and not Confluent-framed Avro: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw notAChange("", "expected a JSON object");
    }
    Map<String, ColumnType> columns = Map.of();
    JsonNode payload = root;
    if (root.size() == 2 && root.has("schema") && root.has("payload")) {
      payload = root.get("payload");
      columns = columnTypes(root.get("schema"));
      if (payload == null || !payload.isObject()) {
        throw notAChange("payload", "the payload is not an object");
      }
    }
    if (payload.has("status")) {
      return new Marker(marker(object(plain(payload), "")));
    }
    return new Change(change(plainEnvelope(payload, columns)));
  }

  // ---------------------------------------------------------------------------------------------
  // JSON

  /** Column types from a JSON-converter envelope schema: the before or after struct's fields. */
  private static Map<String, ColumnType> columnTypes(JsonNode schema) {
    Map<String, ColumnType> out = new HashMap<>();
    if (schema == null || !schema.has("fields")) {
      return out;
    }
    for (JsonNode field : schema.get("fields")) {
      String name = field.path("field").asText();
      if ((name.equals("after") || name.equals("before")) && field.has("fields")) {
        for (JsonNode column : field.get("fields")) {
          out.putIfAbsent(column.path("field").asText(), columnType(column));
        }
      }
    }
    return out;
  }

  private static ColumnType columnType(JsonNode schema) {
    Map<String, String> parameters = new HashMap<>();
    JsonNode params = schema.get("parameters");
    if (params != null && params.isObject()) {
      params.properties().forEach(p -> parameters.put(p.getKey(), p.getValue().asText()));
    }
    JsonNode items = schema.get("items");
    return new ColumnType(
        schema.path("type").asText(),
        schema.hasNonNull("name") ? schema.get("name").asText() : null,
        parameters,
        items == null ? null : columnType(items));
  }

  /** The envelope as plain values, with the row images' columns converted by their types. */
  private static Map<String, Object> plainEnvelope(
      JsonNode payload, Map<String, ColumnType> columns) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> field : payload.properties()) {
      String name = field.getKey();
      if ((name.equals("before") || name.equals("after")) && field.getValue().isObject()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> column : field.getValue().properties()) {
          row.put(
              column.getKey(),
              DebeziumValues.convert(
                  column.getKey(), plain(column.getValue()), columns.get(column.getKey())));
        }
        out.put(name, row);
      } else {
        out.put(name, plain(field.getValue()));
      }
    }
    return out;
  }

  private static Object plain(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isIntegralNumber()) {
      return node.canConvertToLong()
          ? (Object) node.longValue()
          : new BigDecimal(node.bigIntegerValue());
    }
    if (node.isNumber()) {
      return node.decimalValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isTextual()) {
      return node.textValue();
    }
    if (node.isArray()) {
      List<Object> out = new ArrayList<>(node.size());
      node.forEach(item -> out.add(plain(item)));
      return out;
    }
    if (node.isObject()) {
      Map<String, Object> out = new LinkedHashMap<>();
      node.properties().forEach(p -> out.put(p.getKey(), plain(p.getValue())));
      return out;
    }
    return node.asText();
  }

  // ---------------------------------------------------------------------------------------------
  // Avro (Confluent wire format)

  private Decoded decodeAvro(byte[] value) {
    if (registry == null) {
      throw new ChangeDecodeException(
          CdcRejection.CDC_UNSUPPORTED_FORMAT,
          "",
          "Confluent-framed Avro, and no schema registry is configured"
              + " (ingraft.schema-registry.url)");
    }
    if (value.length < 5) {
      throw notAChange("", "a Confluent-framed record has a 5-byte header");
    }
    int id = ByteBuffer.wrap(value, 1, 4).getInt();
    GenericDatumReader<GenericRecord> reader = readers.get(id);
    if (reader == null) {
      Schema schema;
      try {
        schema = registry.schemaById(id);
      } catch (SchemaRegistryException e) {
        if (e.kind() == SchemaRegistryException.Kind.NOT_FOUND) {
          throw new ChangeDecodeException(
              CdcRejection.CDC_UNKNOWN_SCHEMA, "", "the registry has no schema " + id, e);
        }
        throw e;
      }
      reader = new GenericDatumReader<>(schema);
      readers.put(id, reader);
    }
    GenericRecord record;
    try {
      record =
          reader.read(null, DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null));
    } catch (IOException | RuntimeException e) {
      throw notAChange("", "the Avro body does not decode with schema " + id + ": " + e);
    }
    if (record.getSchema().getField("status") != null) {
      @SuppressWarnings("unchecked")
      Map<String, Object> payload = (Map<String, Object>) avroPlain(record, null, "");
      return new Marker(marker(payload));
    }
    Map<String, Object> envelope = new LinkedHashMap<>();
    for (Schema.Field field : record.getSchema().getFields()) {
      Object raw = record.get(field.pos());
      String name = field.name();
      if ((name.equals("before") || name.equals("after")) && raw instanceof GenericRecord row) {
        Map<String, Object> columns = new LinkedHashMap<>();
        for (Schema.Field column : row.getSchema().getFields()) {
          Schema columnSchema = nonNull(column.schema());
          columns.put(
              column.name(),
              DebeziumValues.convert(
                  column.name(),
                  avroPlain(row.get(column.pos()), columnSchema, column.name()),
                  avroType(columnSchema)));
        }
        envelope.put(name, columns);
      } else {
        envelope.put(name, avroPlain(raw, nonNull(field.schema()), name));
      }
    }
    return new Change(change(envelope));
  }

  private static Schema nonNull(Schema schema) {
    if (schema.getType() == Schema.Type.UNION) {
      for (Schema branch : schema.getTypes()) {
        if (branch.getType() != Schema.Type.NULL) {
          return branch;
        }
      }
    }
    return schema;
  }

  /** The Connect type of an Avro schema written by Confluent's AvroConverter. */
  private static ColumnType avroType(Schema schema) {
    String type =
        switch (schema.getType()) {
          case INT -> "int32";
          case LONG -> "int64";
          case FLOAT -> "float32";
          case DOUBLE -> "float64";
          case BOOLEAN -> "boolean";
          case BYTES, FIXED -> "bytes";
          case ARRAY -> "array";
          case MAP -> "map";
          case RECORD -> "struct";
          default -> "string";
        };
    Object name = schema.getObjectProp("connect.name");
    Map<String, String> parameters = new HashMap<>();
    if (schema.getObjectProp("connect.parameters") instanceof Map<?, ?> params) {
      params.forEach((k, v) -> parameters.put(String.valueOf(k), String.valueOf(v)));
    }
    if (schema.getObjectProp("scale") != null) {
      parameters.putIfAbsent("scale", String.valueOf(schema.getObjectProp("scale")));
    }
    return new ColumnType(
        type,
        name == null ? null : name.toString(),
        parameters,
        schema.getType() == Schema.Type.ARRAY ? avroType(nonNull(schema.getElementType())) : null);
  }

  private static Object avroPlain(Object value, Schema schema, String column) {
    if (value == null) {
      return null;
    }
    if (value instanceof Utf8 || value instanceof CharSequence) {
      return value.toString();
    }
    if (value instanceof Integer i) {
      return i.longValue();
    }
    if (value instanceof Float f) {
      return f.doubleValue();
    }
    if (value instanceof ByteBuffer buffer) {
      byte[] bytes = new byte[buffer.remaining()];
      buffer.duplicate().get(bytes);
      return bytes;
    }
    if (value instanceof org.apache.avro.generic.GenericFixed fixed) {
      return fixed.bytes().clone();
    }
    if (value instanceof org.apache.avro.generic.GenericEnumSymbol<?> symbol) {
      return symbol.toString();
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      Schema items = schema == null ? null : nonNull(schema.getElementType());
      for (Object item : list) {
        out.add(avroPlain(item, items, column));
      }
      return out;
    }
    if (value instanceof GenericRecord record) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Schema.Field field : record.getSchema().getFields()) {
        out.put(
            field.name(),
            avroPlain(record.get(field.pos()), nonNull(field.schema()), field.name()));
      }
      return out;
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put(k.toString(), avroPlain(v, null, column)));
      return out;
    }
    return value;
  }

  // ---------------------------------------------------------------------------------------------
  // The envelope, whatever the encoding

  private static ChangeEvent change(Map<String, Object> envelope) {
    Object opCode = envelope.get("op");
    if (!(opCode instanceof String code)) {
      throw notAChange("op", "not a Debezium change event: no op");
    }
    Operation op = Operation.of(code);
    if (op == null) {
      throw notAChange("op", "unknown op \"" + code + "\"");
    }
    Map<String, Object> source = object(envelope.get("source"), "source");
    String table =
        string(source.get("schema"), "source.schema")
            + "."
            + string(source.get("table"), "source.table");
    Object txId = source.get("txId");
    Object lsn = source.get("lsn");
    Object tsMs = source.get("ts_ms");
    Object snapshot = source.get("snapshot");
    ChangeEvent.Source position =
        new ChangeEvent.Source(
            source.get("name") == null ? null : source.get("name").toString(),
            txId == null ? null : txId.toString(),
            lsn instanceof Long l ? l : 0L,
            tsMs instanceof Long t ? t : 0L,
            snapshot == null ? null : snapshot.toString());
    ChangeEvent.Transaction transaction = null;
    if (envelope.get("transaction") != null) {
      Map<String, Object> block = object(envelope.get("transaction"), "transaction");
      String id = string(block.get("id"), "transaction.id");
      Object order = block.get("total_order");
      if (!(order instanceof Long totalOrder)) {
        throw notAChange("transaction.total_order", "the transaction block has no total_order");
      }
      transaction = new ChangeEvent.Transaction(txIdOf(id), totalOrder);
    }
    Map<String, Object> before =
        envelope.get("before") == null ? null : object(envelope.get("before"), "before");
    Map<String, Object> after =
        envelope.get("after") == null ? null : object(envelope.get("after"), "after");
    if ((op == Operation.CREATE || op == Operation.READ || op == Operation.UPDATE)
        && after == null) {
      throw notAChange("after", "op " + code + " without an after image");
    }
    if (op == Operation.DELETE && before == null) {
      throw notAChange("before", "a delete without a before image");
    }
    return new ChangeEvent(op, table, before, after, position, transaction);
  }

  private static TransactionMarker marker(Map<String, Object> payload) {
    String status = string(payload.get("status"), "status");
    String id = string(payload.get("id"), "id");
    Map<String, Long> perTable = new LinkedHashMap<>();
    long eventCount = 0;
    boolean end = status.equals("END");
    if (!end && !status.equals("BEGIN")) {
      throw notAChange("status", "a transaction record's status is BEGIN or END, not " + status);
    }
    if (end) {
      if (!(payload.get("event_count") instanceof Long count)) {
        throw notAChange("event_count", "an END record without event_count");
      }
      eventCount = count;
      if (!(payload.get("data_collections") instanceof List<?> collections)) {
        throw notAChange("data_collections", "an END record without data_collections");
      }
      for (Object entry : collections) {
        Map<String, Object> collection = object(entry, "data_collections[]");
        Object events = collection.get("event_count");
        perTable.merge(
            string(collection.get("data_collection"), "data_collections[].data_collection"),
            events instanceof Long n ? n : 0L,
            Long::sum);
      }
    }
    Object ts = payload.get("ts_ms");
    return new TransactionMarker(
        end, txIdOf(id), lsnOf(id), eventCount, perTable, ts instanceof Long t ? t : 0L);
  }

  /** The transaction id part of Debezium's {@code txId:lsn}. */
  static String txIdOf(String id) {
    int colon = id.indexOf(':');
    return colon < 0 ? id : id.substring(0, colon);
  }

  /** The LSN part of Debezium's {@code txId:lsn}, or 0 when there is none. */
  static long lsnOf(String id) {
    int colon = id.indexOf(':');
    if (colon < 0) {
      return 0;
    }
    try {
      return Long.parseLong(id.substring(colon + 1));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Object value, String field) {
    if (value instanceof Map<?, ?> map) {
      return (Map<String, Object>) map;
    }
    throw notAChange(field, field + " is not an object");
  }

  private static String string(Object value, String field) {
    if (value instanceof String s) {
      return s;
    }
    throw notAChange(field, field + " is missing or not a string");
  }

  private static ChangeDecodeException notAChange(String field, String message) {
    return new ChangeDecodeException(CdcRejection.CDC_NOT_A_CHANGE_EVENT, field, message);
  }
}
