package io.ingraft.app.cdc;

import static io.ingraft.app.cdc.DebeziumRecords.change;
import static io.ingraft.app.cdc.DebeziumRecords.customer;
import static io.ingraft.app.cdc.DebeziumRecords.end;
import static io.ingraft.app.cdc.DebeziumRecords.item;
import static io.ingraft.app.cdc.DebeziumRecords.order;
import static io.ingraft.app.cdc.DebeziumRecords.product;
import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.dlq.DeadLetterHeaders;
import io.ingraft.app.topology.IngestTopology;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.SchemaBody;
import io.ingraft.events.avro.Seal;
import io.ingraft.events.avro.SealReason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CDC branch of stage 1 under a TopologyTestDriver: transactions whose changes arrive before
 * their END and interleaved with the next one's are written each as one batch, in END order, nodes
 * before edges, a truncate first in its transaction's batch; a new column evolves the schema before
 * the batch that needs it; a tombstone is skipped; a value that does not fit is dead-lettered and
 * still counted.
 */
class CdcAssemblyTest {
  @TempDir Path dir;
  private Topology topology;
  private TopologyTestDriver driver;
  private final Map<String, TestInputTopic<byte[], byte[]>> inputs = new HashMap<>();
  private TestOutputTopic<String, byte[]> graphLog;
  private TestOutputTopic<byte[], byte[]> dlq;
  private final GraphLogCodec codec = new GraphLogCodec();

  @BeforeEach
  void start() throws Exception {
    start(false);
  }

  private void start(boolean singlePartition) throws Exception {
    String mapping =
        Files.readString(CdcMappingTest.EXAMPLE)
            .replace("snapshot: initial", "snapshot: never")
            .replace("newColumns: ignore", "newColumns: evolve");
    Path file = dir.resolve("mapping.yaml");
    Files.writeString(file, mapping);
    Map<String, String> settings = new HashMap<>();
    settings.put("storage.root", dir.resolve("data").toString());
    settings.put("ingraft.state-dir", dir.resolve("streams").toString());
    settings.put("ingraft.application-id", "cdc-test");
    settings.put("kafka.bootstrap.servers", "unused:9092");
    settings.put("ingraft.topic.graph-log", "t.graph-log");
    settings.put("ingraft.topic.dlq", "t.dlq");
    settings.put(IngraftConfig.CDC_MAPPING, file.toString());
    settings.put(IngraftConfig.CDC_SINGLE_PARTITION, Boolean.toString(singlePartition));
    IngraftConfig config = IngraftConfig.fromMap(settings);
    topology = IngestTopology.build(config, null);
    driver =
        new TopologyTestDriver(
            topology, IngestTopology.streamsProps(config), Instant.parse("2026-01-01T00:00:00Z"));
    ByteArraySerializer bytes = new ByteArraySerializer();
    for (String table : List.of("customers", "products", "orders", "order_items")) {
      inputs.put(table, driver.createInputTopic("shop.public." + table, bytes, bytes));
    }
    inputs.put("tx", driver.createInputTopic("shop.transaction", bytes, bytes));
    graphLog =
        driver.createOutputTopic(
            "t.graph-log", new StringDeserializer(), new ByteArrayDeserializer());
    dlq =
        driver.createOutputTopic("t.dlq", new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private void send(String table, byte[] value) {
    inputs
        .get(table)
        .pipeInput(new TestRecord<>("{\"id\":1}".getBytes(StandardCharsets.UTF_8), value));
  }

  /** The graph log, briefly: {@code schema}, {@code seal:REASON:count}, or the event's ops. */
  private List<String> log() {
    List<String> out = new ArrayList<>();
    for (byte[] value : graphLog.readValuesToList()) {
      GraphLogRecord record = codec.decode(value);
      if (record.getEntry() instanceof Seal seal) {
        out.add("seal:" + seal.getReason() + ":" + seal.getEventCount());
        continue;
      }
      LoggedEvent logged = (LoggedEvent) record.getEntry();
      Object body = logged.getEvent().getBody();
      if (body instanceof SchemaBody) {
        out.add("schema");
        continue;
      }
      if (body instanceof io.ingraft.events.avro.LoadBody load) {
        out.add(
            "truncate "
                + String.join(",", load.getNodes().keySet())
                + String.join(",", load.getEdges().keySet()));
        continue;
      }
      StringBuilder ops =
          new StringBuilder(logged.getCdc() == null ? "?" : logged.getCdc().getTxId()).append(':');
      for (var op : ((MutationBody) body).getOps()) {
        ops.append(op.getOp())
            .append(' ')
            .append(op.getType())
            .append(op.getKey() == null ? "" : " " + op.getKey())
            .append(op.getFrom() == null ? "" : " " + op.getFrom() + "->" + op.getTo())
            .append(';');
      }
      out.add(ops.toString());
    }
    return out;
  }

  @Test
  void transactionsAreWholeBatchesInEndOrderWithNodesBeforeEdges() {
    assertThat(topology.describe().toString()).contains(CdcTopology.BY_SOURCE);
    assertTransactionsAreWholeBatchesInEndOrder();
  }

  @Test
  void withSinglePartitionTopicsTheSameBatchesComeWithoutTheRepartition() throws Exception {
    stop();
    start(true);
    assertThat(topology.describe().toString()).doesNotContain(CdcTopology.BY_SOURCE);
    assertTransactionsAreWholeBatchesInEndOrder();
  }

  private void assertTransactionsAreWholeBatchesInEndOrder() {
    // 801's changes first, 800's in reverse order, then the ENDs in commit order.
    send("orders", change("u", "orders", "null", order(20, 2, "3", "paid"), 801, 6001, 1));
    send("order_items", change("c", "order_items", "null", item(20, 10, 3), 800, 5004, 4));
    send("orders", change("c", "orders", "null", order(20, 1, "3", "new"), 800, 5003, 3));
    send("products", change("c", "products", "null", product(10, "pen", "1.25"), 800, 5002, 2));
    send("customers", change("c", "customers", "null", customer(1, "Ada", null), 800, 5001, 1));
    send("customers", change("c", "customers", "null", customer(2, "Bob", 1L), 801, 6002, 2));
    assertThat(log()).isEmpty();
    send(
        "tx",
        end(
            800,
            5005,
            "public.customers",
            1,
            "public.products",
            1,
            "public.orders",
            1,
            "public.order_items",
            1));
    assertThat(log())
        .containsExactly(
            "schema",
            "seal:SCHEMA:1",
            "800:UPSERT_NODE Customer;",
            "800:UPSERT_NODE Product;",
            "800:UPSERT_NODE Order;",
            "800:DELETE_EDGE ReferredBy;",
            "800:INSERT_EDGE PlacedBy 20->1;",
            "800:INSERT_EDGE Contains 20->10;",
            "seal:TRANSACTION:6");
    send("tx", end(801, 6003, "public.orders", 1, "public.customers", 1));
    // Within a phase, the transaction's order (total_order): the order, then the customer.
    assertThat(log())
        .containsExactly(
            "801:UPSERT_NODE Order;",
            "801:UPSERT_NODE Customer;",
            "801:INSERT_EDGE PlacedBy 20->2;",
            "801:INSERT_EDGE ReferredBy 2->1;",
            "seal:TRANSACTION:4");
  }

  @Test
  void aTransactionWithATruncateIsOneBatchWithTheTruncateFirst() {
    send("customers", change("c", "customers", "null", customer(1, "Ada", null), 804, 9000, 1));
    send("orders", change("c", "orders", "null", order(30, 1, "1", "new"), 804, 9001, 2));
    send("orders", change("t", "orders", "null", "null", 804, 9002, 3));
    send("orders", change("c", "orders", "null", order(31, 1, "1", "new"), 804, 9003, 4));
    send("tx", end(804, 9004, "public.customers", 1, "public.orders", 3));
    // Order 30 came before the truncate, which wipes it: it is not written at all. The other
    // table's change before the truncate and the order after it share the truncate's batch.
    assertThat(log())
        .containsExactly(
            "schema",
            "seal:SCHEMA:1",
            "truncate Order",
            "804:UPSERT_NODE Customer;",
            "804:UPSERT_NODE Order;",
            "804:DELETE_EDGE ReferredBy;",
            "804:INSERT_EDGE PlacedBy 31->1;",
            "seal:TRANSACTION:5");
  }

  @Test
  void aNewColumnEvolvesTheSchemaBeforeTheBatchThatNeedsIt() {
    send("customers", change("c", "customers", "null", customer(1, "Ada", null), 801, 6001, 1));
    send("tx", end(801, 6002, "public.customers", 1));
    assertThat(log())
        .containsExactly(
            "schema",
            "seal:SCHEMA:1",
            "801:UPSERT_NODE Customer;",
            "801:DELETE_EDGE ReferredBy;",
            "seal:TRANSACTION:2");
    send(
        "customers",
        change(
            "c",
            "customers",
            "null",
            "{\"id\":3,\"name\":\"Cy\",\"email\":null,\"referred_by\":null,\"loyalty\":7}",
            802,
            7001,
            1));
    send("tx", end(802, 7002, "public.customers", 1));
    List<byte[]> values = graphLog.readValuesToList();
    SchemaBody evolved =
        (SchemaBody) ((LoggedEvent) codec.decode(values.get(0)).getEntry()).getEvent().getBody();
    assertThat(evolved.getSource()).contains("loyalty: I64?");
    LoggedEvent upsert = (LoggedEvent) codec.decode(values.get(2)).getEntry();
    assertThat(((MutationBody) upsert.getEvent().getBody()).getOps().get(0).getProps())
        .containsEntry("loyalty", 7L);
    assertThat(values).hasSize(5);
    assertThat(((Seal) codec.decode(values.get(4)).getEntry()).getReason())
        .isEqualTo(SealReason.TRANSACTION);
  }

  @Test
  void tombstonesAreSkippedAndBadRowsDeadLetteredButCounted() {
    inputs
        .get("customers")
        .pipeInput(new TestRecord<>("{\"id\":9}".getBytes(StandardCharsets.UTF_8), (byte[]) null));
    send(
        "orders",
        change("c", "orders", "null", order(21, 1, "0.1000000000000000001", "new"), 803, 8001, 1));
    send("customers", change("c", "customers", "null", customer(4, "Di", null), 803, 8002, 2));
    send("tx", end(803, 8003, "public.orders", 1, "public.customers", 1));
    assertThat(log())
        .containsExactly(
            "schema",
            "seal:SCHEMA:1",
            "803:UPSERT_NODE Customer;",
            "803:DELETE_EDGE ReferredBy;",
            "seal:TRANSACTION:2");
    var dead = dlq.readRecordsToList();
    assertThat(dead).hasSize(1);
    assertThat(DeadLetterHeaders.text(dead.get(0).headers(), DeadLetterHeaders.CODE))
        .isEqualTo("CDC_BAD_VALUE");
    assertThat(
            driver.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals("tombstones-total"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
                .sum())
        .isEqualTo(1.0);
  }
}
