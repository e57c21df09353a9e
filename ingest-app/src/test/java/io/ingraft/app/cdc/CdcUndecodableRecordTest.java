package io.ingraft.app.cdc;

import static io.ingraft.app.cdc.DebeziumRecords.change;
import static io.ingraft.app.cdc.DebeziumRecords.customer;
import static io.ingraft.app.cdc.DebeziumRecords.end;
import static io.ingraft.app.cdc.DebeziumRecords.order;
import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.dlq.DeadLetterHeaders;
import io.ingraft.app.topology.IngestTopology;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.Seal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A change-topic record that is not a Debezium envelope at all counts toward no transaction, so the
 * transaction whose END counts it would wait for it forever, and every later one behind it. Under a
 * TopologyTestDriver with the CDC branch and end offsets known to the test: the record is
 * dead-lettered {@code CDC_NOT_A_CHANGE_EVENT}, and once stage 1 has read the change topics to
 * their end the transaction is written without it and the source goes on; an incomplete transaction
 * with no undecodable record seen keeps waiting for its change.
 */
class CdcUndecodableRecordTest {
  @TempDir Path dir;
  private TopologyTestDriver driver;
  private final Map<String, TestInputTopic<byte[], byte[]>> inputs = new HashMap<>();

  /** What the test has written to each change-topic partition: the end offsets. */
  private final Map<String, Long> endOffsets = new ConcurrentHashMap<>();

  private TestOutputTopic<String, byte[]> graphLog;
  private TestOutputTopic<byte[], byte[]> dlq;
  private final GraphLogCodec codec = new GraphLogCodec();

  @BeforeEach
  void start() throws Exception {
    String mapping =
        Files.readString(CdcMappingTest.EXAMPLE).replace("snapshot: initial", "snapshot: never");
    Path file = dir.resolve("mapping.yaml");
    Files.writeString(file, mapping);
    Map<String, String> settings = new HashMap<>();
    settings.put("storage.root", dir.resolve("data").toString());
    settings.put("ingraft.state-dir", dir.resolve("streams").toString());
    settings.put("ingraft.application-id", "cdc-undecodable-test");
    settings.put("kafka.bootstrap.servers", "unused:9092");
    settings.put("ingraft.topic.graph-log", "t.graph-log");
    settings.put("ingraft.topic.dlq", "t.dlq");
    settings.put(IngraftConfig.CDC_MAPPING, file.toString());
    IngraftConfig config = IngraftConfig.fromMap(settings);
    StreamsBuilder builder = new StreamsBuilder();
    CdcTopology.Source source = CdcTopology.load(config);
    CdcTopology.addTo(
        builder,
        config,
        source,
        null,
        () ->
            new CdcAssembler.EndOffsets() {
              @Override
              public Map<String, Long> endOffsets() {
                return Map.copyOf(endOffsets);
              }

              @Override
              public void close() {}
            });
    driver =
        new TopologyTestDriver(
            builder.build(),
            IngestTopology.streamsProps(config),
            Instant.parse("2026-01-01T00:00:00Z"));
    ByteArraySerializer bytes = new ByteArraySerializer();
    for (String table : List.of("customers", "products", "orders", "order_items")) {
      inputs.put(table, driver.createInputTopic("shop.public." + table, bytes, bytes));
      endOffsets.put("shop.public." + table + ":0", 0L);
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
    if (!table.equals("tx")) {
      endOffsets.merge("shop.public." + table + ":0", 1L, Long::sum);
    }
  }

  /** Lets the assembler's wall-clock sweep run. */
  private void sweep() {
    driver.advanceWallClockTime(Duration.ofMillis(250));
  }

  /** The graph log's mutations and seals, briefly: {@code tx:OP type;} or {@code seal:REASON}. */
  private List<String> log() {
    List<String> out = new ArrayList<>();
    for (byte[] value : graphLog.readValuesToList()) {
      Object entry = codec.decode(value).getEntry();
      if (entry instanceof Seal seal) {
        out.add("seal:" + seal.getReason());
      } else if (((LoggedEvent) entry).getEvent().getBody() instanceof MutationBody body) {
        StringBuilder ops = new StringBuilder(((LoggedEvent) entry).getCdc().getTxId()).append(':');
        body.getOps()
            .forEach(op -> ops.append(op.getOp()).append(' ').append(op.getType()).append(';'));
        out.add(ops.toString());
      }
    }
    return out;
  }

  @Test
  void anUndecodableRecordIsDeadLetteredAndItsTransactionGoesOnWithoutIt() {
    send("customers", change("c", "customers", "null", customer(1, "Ada", null), 805, 9101, 1));
    // The transaction's second change is not a change event at all.
    send("orders", "this is not a Debezium envelope".getBytes(StandardCharsets.UTF_8));
    send("tx", end(805, 9103, "public.customers", 1, "public.orders", 1));
    send("customers", change("c", "customers", "null", customer(2, "Bob", null), 806, 9201, 1));
    send("tx", end(806, 9202, "public.customers", 1));
    assertThat(log()).isEmpty();
    var dead = dlq.readRecordsToList();
    assertThat(dead).hasSize(1);
    assertThat(DeadLetterHeaders.text(dead.get(0).headers(), DeadLetterHeaders.CODE))
        .isEqualTo(CdcRejection.CDC_NOT_A_CHANGE_EVENT.name());

    sweep();
    // 805 without its lost change, then 806, which waited behind it.
    assertThat(log())
        .containsSubsequence(
            "805:UPSERT_NODE Customer;", "seal:TRANSACTION",
            "806:UPSERT_NODE Customer;", "seal:TRANSACTION");

    // And the source goes on.
    send("orders", change("c", "orders", "null", order(40, 2, "0", "new"), 807, 9301, 1));
    send("tx", end(807, 9302, "public.orders", 1));
    assertThat(log()).containsSubsequence("807:UPSERT_NODE Order;", "seal:TRANSACTION");
  }

  @Test
  void anIncompleteTransactionWithoutUndecodableRecordsKeepsWaiting() {
    send("customers", change("c", "customers", "null", customer(1, "Ada", null), 808, 9401, 1));
    send("tx", end(808, 9403, "public.customers", 1, "public.orders", 1));
    sweep();
    sweep();
    assertThat(log()).isEmpty();
    send("orders", change("c", "orders", "null", order(41, 1, "0", "new"), 808, 9402, 2));
    assertThat(log())
        .containsSubsequence(
            "808:UPSERT_NODE Customer;", "808:UPSERT_NODE Order;", "seal:TRANSACTION");
  }
}
