package io.ingraft.app.cdc;

import static io.ingraft.app.cdc.DebeziumRecords.change;
import static io.ingraft.app.cdc.DebeziumRecords.customer;
import static io.ingraft.app.cdc.DebeziumRecords.customerKeyOnly;
import static io.ingraft.app.cdc.DebeziumRecords.end;
import static io.ingraft.app.cdc.DebeziumRecords.item;
import static io.ingraft.app.cdc.DebeziumRecords.order;
import static io.ingraft.app.cdc.DebeziumRecords.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.app.cdc.CdcItem.CdcOp;
import io.ingraft.events.SchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DebeziumDecodeTest {
  static CdcMapping mapping;
  static RowMapper rows;
  final DebeziumDecoder decoder = new DebeziumDecoder(null);

  @BeforeAll
  static void loadExample() throws Exception {
    mapping = MappingReader.of(CdcMappingTest.EXAMPLE).read();
    rows = new RowMapper(mapping, MappingCheck.declaredSchema(mapping).orElseThrow());
  }

  private CdcItem map(byte[] value) {
    ChangeEvent event = ((DebeziumDecoder.Change) decoder.decode(value)).event();
    return rows.map(event, "shop.public.x", 2, 41);
  }

  @Test
  void aCreateBecomesAnUpsertAndItsNullForeignKeyADeleteOfTheEdge() {
    CdcItem item = map(change("c", "customers", "null", customer(1, "Ada", null), 740, 2245, 1));
    assertThat(item.kind()).isEqualTo(CdcItem.Kind.ROW);
    assertThat(item.txId()).isEqualTo("740");
    assertThat(item.totalOrder()).isEqualTo(1);
    assertThat(item.inTransaction()).isTrue();
    assertThat(item.rowKey()).isEqualTo("public.customers/1");
    assertThat(item.nodeOps())
        .containsExactly(
            new CdcOp(
                "upsertNode",
                "Customer",
                null,
                null,
                null,
                null,
                Map.of("id", 1L, "name", "Ada", "email", "ada@shop")));
    assertThat(item.edgeOps())
        .containsExactly(
            new CdcOp(
                "deleteEdge",
                "ReferredBy",
                null,
                null,
                null,
                "public.customers/1/referred_by",
                null));
  }

  @Test
  void anUpdatedForeignKeyReplacesTheEdgeWithTheSameId() {
    CdcItem item = map(change("u", "customers", "null", customer(1, "Ada", 2L), 741, 2300, 1));
    assertThat(item.edgeOps())
        .containsExactly(
            new CdcOp(
                "insertEdge", "ReferredBy", null, 1L, 2L, "public.customers/1/referred_by", null));
  }

  @Test
  void aDeleteUsesTheKeyOfTheBeforeImage() {
    CdcItem item = map(change("d", "customers", customerKeyOnly(4), "null", 742, 2400, 1));
    assertThat(item.phase()).isEqualTo(CdcItem.NODE_DELETE);
    assertThat(item.nodeOps())
        .containsExactly(new CdcOp("deleteNode", "Customer", 4L, null, null, null, null));
    assertThat(item.edgeOps()).isNull();
  }

  @Test
  void decimalTextBecomesAnExactDoubleAndUnmappedColumnsStayOut() {
    CdcItem item = map(change("c", "orders", "null", order(7, 1, "25.50", "new"), 743, 2500, 2));
    assertThat(item.nodeOps().get(0).props())
        .isEqualTo(Map.of("id", 7L, "total", 25.5, "status", "new"));
    assertThat(item.edgeOps())
        .containsExactly(
            new CdcOp("insertEdge", "PlacedBy", null, 7L, 1L, "public.orders/7/customer_id", null));
  }

  @Test
  void aJoinTableRowIsAnEdgeWithACompositeKeyId() {
    CdcItem item = map(change("c", "order_items", "null", item(7, 3, 2), 743, 2510, 3));
    assertThat(item.phase()).isEqualTo(CdcItem.JOIN_UPSERT);
    assertThat(item.nodeOps())
        .containsExactly(
            new CdcOp(
                "insertEdge",
                "Contains",
                null,
                7L,
                3L,
                "public.order_items/7|3",
                Map.of("quantity", 2L)));
    CdcItem gone = map(change("d", "order_items", item(7, 3, 2), "null", 744, 2600, 1));
    assertThat(gone.nodeOps())
        .containsExactly(
            new CdcOp("deleteEdge", "Contains", null, null, null, "public.order_items/7|3", null));
  }

  @Test
  void compositeKeyStringsEscapeTheSeparator() {
    assertThat(RowMapper.keyString(List.of(7L, "a|b\\c", new BigDecimal("1.50"))))
        .isEqualTo("7|a\\|b\\\\c|1.50");
  }

  @Test
  void snapshotRecordsHaveNoTransactionBlock() {
    CdcItem item =
        map(snapshot("products", DebeziumRecords.product(3, "pen", "1.25"), 739, 2000, "last"));
    assertThat(item.inTransaction()).isFalse();
    assertThat(item.inSnapshot()).isTrue();
    assertThat(item.snapshot()).isEqualTo("last");
    assertThat(item.txId()).isEqualTo("739");
  }

  @Test
  void anEndRecordCarriesItsCountsAndTheTransactionIdBeforeTheColon() {
    TransactionMarker marker =
        ((DebeziumDecoder.Marker)
                decoder.decode(end(740, 22459208, "public.customers", 3, "public.orders", 1)))
            .marker();
    assertThat(marker.end()).isTrue();
    assertThat(marker.txId()).isEqualTo("740");
    assertThat(marker.lsn()).isEqualTo(22459208L);
    assertThat(marker.eventCount()).isEqualTo(4);
    assertThat(marker.perTable())
        .containsExactly(Map.entry("public.customers", 3L), Map.entry("public.orders", 1L));
  }

  @Test
  void aValueThatDoesNotFitIsATypedRefusal() {
    assertThatThrownBy(
            () ->
                map(
                    change(
                        "c",
                        "orders",
                        "null",
                        order(8, 1, "0.1000000000000000001", "new"),
                        745,
                        2700,
                        1)))
        .isInstanceOfSatisfying(
            ChangeDecodeException.class,
            e -> {
              assertThat(e.code()).isEqualTo(CdcRejection.CDC_BAD_VALUE);
              assertThat(e.field()).isEqualTo("total");
            });
    assertThatThrownBy(
            () ->
                map(change("c", "customers", "null", "{\"id\":null,\"name\":\"x\"}", 745, 2700, 1)))
        .isInstanceOfSatisfying(
            ChangeDecodeException.class,
            e -> assertThat(e.code()).isEqualTo(CdcRejection.CDC_MISSING_KEY));
    assertThatThrownBy(() -> decoder.decode("{\"after\":{}}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(
            ChangeDecodeException.class,
            e -> assertThat(e.code()).isEqualTo(CdcRejection.CDC_NOT_A_CHANGE_EVENT));
  }

  @Test
  void unchangedToastedColumnsPatchInsteadOfReplacing() {
    CdcItem item =
        map(
            change(
                "u",
                "customers",
                "null",
                "{\"id\":5,\"name\":\"__debezium_unavailable_value\",\"email\":\"e@x\","
                    + "\"referred_by\":null}",
                746,
                2800,
                1));
    assertThat(item.nodeOps())
        .containsExactly(
            new CdcOp("updateNode", "Customer", 5L, null, null, null, Map.of("email", "e@x")));
  }

  /** The JSON converter with schemas on: column types give Decimal, Date and MicroTimestamp. */
  @Test
  void schemasOnDecodeDebeziumLogicalTypes() {
    String value =
        """
        {"schema":{"type":"struct","fields":[
          {"type":"struct","optional":true,"name":"shop.public.events.Value","field":"before","fields":[]},
          {"type":"struct","optional":true,"name":"shop.public.events.Value","field":"after","fields":[
            {"type":"int64","optional":false,"field":"id"},
            {"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"10"},"field":"amount"},
            {"type":"int32","optional":true,"name":"io.debezium.time.Date","version":1,"field":"day"},
            {"type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","version":1,"field":"at"},
            {"type":"struct","optional":true,"name":"io.debezium.data.VariableScaleDecimal","fields":[{"type":"int32","field":"scale"},{"type":"bytes","field":"value"}],"field":"ratio"},
            {"type":"string","optional":true,"name":"io.debezium.data.Uuid","version":1,"field":"ref"},
            {"type":"array","optional":true,"items":{"type":"string","optional":true},"field":"tags"}]},
          {"type":"struct","fields":[],"optional":false,"name":"io.debezium.connector.postgresql.Source","field":"source"},
          {"type":"string","optional":false,"field":"op"}],"optional":false,"name":"shop.public.events.Envelope"},
         "payload":{"before":null,"after":{"id":9,"amount":"CfY=","day":19723,"at":1704067200123456,
           "ratio":{"scale":3,"value":"MDk="},"ref":"7c1a3c6e-0000-4000-8000-000000000001","tags":["a","b"]},
           "source":%s,"op":"c","ts_ms":1700000000100,"transaction":null}}
        """
            .formatted(DebeziumRecords.source("events", 750, 3000, "false"));
    ChangeEvent event =
        ((DebeziumDecoder.Change) decoder.decode(value.getBytes(StandardCharsets.UTF_8))).event();
    Map<String, Object> after = event.after();
    assertThat(after.get("amount")).isEqualTo(new BigDecimal("25.50"));
    assertThat(after.get("day")).isEqualTo(LocalDate.of(2024, 1, 1));
    assertThat(after.get("at")).isEqualTo(Instant.parse("2024-01-01T00:00:00.123456Z"));
    assertThat(after.get("ratio")).isEqualTo(new BigDecimal("12.345"));
    assertThat(after.get("ref")).isEqualTo("7c1a3c6e-0000-4000-8000-000000000001");
    assertThat(after.get("tags")).isEqualTo(List.of("a", "b"));
    assertThat(event.table()).isEqualTo("public.events");
    assertThat(event.transaction()).isNull();
  }

  /** Avro in the Confluent wire format, with the writer schema from a registry. */
  @Test
  void confluentAvroDecodesThroughTheRegistry() throws Exception {
    Schema decimal =
        new Schema.Parser()
            .parse(
                "{\"type\":\"bytes\",\"scale\":2,\"precision\":12,"
                    + "\"connect.version\":1,\"connect.parameters\":{\"scale\":\"2\"},"
                    + "\"connect.name\":\"org.apache.kafka.connect.data.Decimal\",\"logicalType\":\"decimal\"}");
    Schema row =
        SchemaBuilder.record("Value")
            .namespace("shop.public.orders")
            .fields()
            .requiredLong("id")
            .requiredLong("customer_id")
            .name("total")
            .type()
            .unionOf()
            .nullType()
            .and()
            .type(decimal)
            .endUnion()
            .nullDefault()
            .optionalString("status")
            .endRecord();
    Schema source =
        SchemaBuilder.record("Source")
            .namespace("io.debezium.connector.postgresql")
            .fields()
            .requiredString("name")
            .requiredString("schema")
            .requiredString("table")
            .optionalLong("txId")
            .optionalLong("lsn")
            .optionalLong("ts_ms")
            .optionalString("snapshot")
            .endRecord();
    Schema block =
        SchemaBuilder.record("block")
            .namespace("event")
            .fields()
            .requiredString("id")
            .requiredLong("total_order")
            .requiredLong("data_collection_order")
            .endRecord();
    Schema envelope =
        SchemaBuilder.record("Envelope")
            .namespace("shop.public.orders")
            .fields()
            .name("before")
            .type()
            .unionOf()
            .nullType()
            .and()
            .type(row)
            .endUnion()
            .nullDefault()
            .name("after")
            .type()
            .unionOf()
            .nullType()
            .and()
            .type(row)
            .endUnion()
            .nullDefault()
            .name("source")
            .type(source)
            .noDefault()
            .requiredString("op")
            .optionalLong("ts_ms")
            .name("transaction")
            .type()
            .unionOf()
            .nullType()
            .and()
            .type(block)
            .endUnion()
            .nullDefault()
            .endRecord();
    GenericRecord after = new GenericData.Record(row);
    after.put("id", 7L);
    after.put("customer_id", 1L);
    after.put("total", ByteBuffer.wrap(new java.math.BigInteger("2550").toByteArray()));
    after.put("status", "new");
    GenericRecord src = new GenericData.Record(source);
    src.put("name", "shop");
    src.put("schema", "public");
    src.put("table", "orders");
    src.put("txId", 760L);
    src.put("lsn", 4000L);
    src.put("ts_ms", 1700000000000L);
    src.put("snapshot", "false");
    GenericRecord tx = new GenericData.Record(block);
    tx.put("id", "760:4000");
    tx.put("total_order", 2L);
    tx.put("data_collection_order", 1L);
    GenericRecord value = new GenericData.Record(envelope);
    value.put("after", after);
    value.put("source", src);
    value.put("op", "c");
    value.put("transaction", tx);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(42).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(envelope).write(value, encoder);
    encoder.flush();
    SchemaRegistry registry = new InMemoryRegistry(Map.of(42, envelope));

    DebeziumDecoder avro = new DebeziumDecoder(registry);
    ChangeEvent event = ((DebeziumDecoder.Change) avro.decode(out.toByteArray())).event();
    assertThat(event.after().get("total")).isEqualTo(new BigDecimal("25.50"));
    assertThat(event.transaction()).isEqualTo(new ChangeEvent.Transaction("760", 2));
    CdcItem item = rows.map(event, "shop.public.orders", 0, 1);
    assertThat(item.nodeOps().get(0).props()).containsEntry("total", 25.5);

    assertThatThrownBy(() -> decoder.decode(out.toByteArray()))
        .isInstanceOfSatisfying(
            ChangeDecodeException.class,
            e -> assertThat(e.code()).isEqualTo(CdcRejection.CDC_UNSUPPORTED_FORMAT));
  }

  /** A registry in memory: ids to schemas. */
  record InMemoryRegistry(Map<Integer, Schema> schemas) implements SchemaRegistry {
    @Override
    public int register(String subject, Schema schema) {
      Map<Integer, Schema> copy = new HashMap<>(schemas);
      copy.put(copy.size() + 1, schema);
      return copy.size();
    }

    @Override
    public Schema schemaById(int id) {
      Schema schema = schemas.get(id);
      if (schema == null) {
        throw new io.ingraft.events.SchemaRegistryException(
            io.ingraft.events.SchemaRegistryException.Kind.NOT_FOUND,
            404,
            40403,
            "no schema " + id,
            null);
      }
      return schema;
    }
  }
}
