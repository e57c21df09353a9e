package io.ingraft.it.cdc;

import static io.ingraft.it.cdc.ShopFeed.begin;
import static io.ingraft.it.cdc.ShopFeed.change;
import static io.ingraft.it.cdc.ShopFeed.customer;
import static io.ingraft.it.cdc.ShopFeed.customerKey;
import static io.ingraft.it.cdc.ShopFeed.end;
import static io.ingraft.it.cdc.ShopFeed.idKey;
import static io.ingraft.it.cdc.ShopFeed.item;
import static io.ingraft.it.cdc.ShopFeed.itemKey;
import static io.ingraft.it.cdc.ShopFeed.order;
import static io.ingraft.it.cdc.ShopFeed.orderKey;
import static io.ingraft.it.cdc.ShopFeed.product;
import static io.ingraft.it.cdc.ShopFeed.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.app.IngestPipeline;
import io.ingraft.app.cdc.CdcTopology;
import io.ingraft.app.cdc.ChangeTopicPartitionsException;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.engine.read.GraphSnapshot;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.it.kafka.TopicSettings;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.StorageConfig;
import io.ingraft.storage.manifest.CdcPosition;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.ObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CDC path of stage 1 and the writer on a real broker, with Debezium records of the shop schema
 * spread over four-partition change topics and arriving out of order across them: an initial
 * snapshot loaded in bounded batches (nodes before edges, versions marked while it runs), then
 * source transactions whose changes arrive before their END, interleaved with the next
 * transaction's, which must each become one version, in commit order, with the source position in
 * the manifest. A second test stops stage 1 in the middle of a transaction and wipes its local
 * state, so that the open transaction survives only through the changelog.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class CdcPipelineTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final int PARTITIONS = 4;

  /** The change topics' partitions: {@link #PARTITIONS}, or 1 with single-partition topics. */
  private int changePartitions = PARTITIONS;

  private static final String GRAPH = "shop";
  private static final Path EXAMPLE = Path.of("..", "docs", "examples", "shop-cdc-mapping.yaml");

  @TempDir Path dir;
  private IngestPipeline pipeline;
  private KafkaProducer<byte[], byte[]> producer;
  private String prefix;
  private Map<String, String> settings;

  @AfterEach
  void tearDown() {
    if (pipeline != null) {
      pipeline.close();
    }
    if (producer != null) {
      producer.close();
    }
  }

  private void setUp(KafkaTestBroker kafka, String snapshotMode) throws Exception {
    prefix = KafkaTestBroker.uniqueName("cdc");
    String mapping =
        Files.readString(EXAMPLE)
            .replace("shop.public.", prefix + ".public.")
            .replace("shop.transaction", prefix + ".transaction")
            .replace("snapshot: initial", "snapshot: " + snapshotMode);
    Path file = dir.resolve("mapping.yaml");
    Files.writeString(file, mapping);
    settings = new HashMap<>(TopicSettings.prefixed(prefix));
    settings.put(IngraftConfig.BOOTSTRAP, kafka.bootstrapServers());
    settings.put("storage.root", dir.resolve("data").toString());
    settings.put("ingraft.state-dir", dir.resolve("streams").toString());
    settings.put("ingraft.application-id", prefix);
    settings.put("ingraft.topic.partitions", Integer.toString(PARTITIONS));
    settings.put("ingraft.seal.max-events", "2");
    settings.put("ingraft.seal.linger-ms", "100");
    settings.put("ingraft.writer.group", prefix + "-writer");
    settings.put("ingraft.writer.id", "w1");
    // No coalescing of queued batches: every sealed batch is a version of its own.
    settings.put("ingraft.writer.max-batch-events", "1");
    settings.put("kafka.session.timeout.ms", "6000");
    settings.put("kafka.heartbeat.interval.ms", "500");
    settings.put(IngraftConfig.CDC_MAPPING, file.toString());
    Map<String, Object> props = kafka.clientConfig();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private void start() {
    pipeline = new IngestPipeline(IngraftConfig.fromMap(settings));
    pipeline.start();
    KafkaTestBroker.await(
        TIMEOUT, "stage 1 running", () -> pipeline.topologyState() == KafkaStreams.State.RUNNING);
  }

  private String topic(String table) {
    return prefix + ".public." + table;
  }

  private void send(String table, long partitionKey, byte[] key, byte[] value) {
    producer.send(
        new ProducerRecord<>(topic(table), (int) (partitionKey % changePartitions), key, value));
  }

  private void sendTx(byte[] value) {
    producer.send(new ProducerRecord<>(prefix + ".transaction", 0, null, value));
  }

  @Test
  void snapshotThenTransactionsBecomeWholeVersionsInCommitOrder(KafkaTestBroker kafka)
      throws Exception {
    setUp(kafka, "initial");
    start();
    snapshotThenTransactions(kafka);
  }

  @Test
  void withSinglePartitionTopicsTheSameVersionsComeWithoutTheRepartition(KafkaTestBroker kafka)
      throws Exception {
    setUp(kafka, "initial");
    settings.put(IngraftConfig.CDC_SINGLE_PARTITION, "true");
    // Stage 1 notices the partition added below at its next metadata refresh.
    settings.put("kafka.metadata.max.age.ms", "1000");
    changePartitions = 1;
    start();
    assertThat(kafka.admin().listTopics().names().get())
        .as("this application's topics")
        .filteredOn(t -> t.startsWith(prefix))
        .contains(topic("orders"))
        .noneMatch(t -> t.contains(CdcTopology.BY_SOURCE));
    assertThat(
            kafka
                .admin()
                .describeTopics(List.of(topic("orders")))
                .allTopicNames()
                .get()
                .get(topic("orders"))
                .partitions())
        .as("a change topic Ingraft created")
        .hasSize(1);
    snapshotThenTransactions(kafka);

    // A change topic that grows stops stage 1 before it reads the new partition (its stores'
    // changelogs have one partition); with the setting off again, the repartition takes any count.
    kafka
        .admin()
        .createPartitions(Map.of(topic("orders"), NewPartitions.increaseTo(2)))
        .all()
        .get();
    producer.send(
        new ProducerRecord<>(
            topic("orders"),
            1,
            idKey(300),
            change("c", "orders", "null", order(300, 2, 1), 990, 9901, 1)));
    sendTx(end(990, 9902, "public.orders", 1));
    producer.flush();
    KafkaTestBroker.await(
        TIMEOUT, "stage 1 stopped", () -> pipeline.topologyState() == KafkaStreams.State.ERROR);
    assertThat(keys(pipeline.engine().snapshot(GraphId.of(GRAPH)), "Order")).doesNotContain(300L);
    pipeline.close();
    settings.put(IngraftConfig.CDC_SINGLE_PARTITION, "false");
    changePartitions = PARTITIONS;
    start();
    awaitTransaction("990");
    assertThat(keys(pipeline.engine().snapshot(GraphId.of(GRAPH)), "Order")).contains(300L);
  }

  @Test
  void withSinglePartitionTopicsAChangeTopicWithMorePartitionsRefusesTheStart(KafkaTestBroker kafka)
      throws Exception {
    setUp(kafka, "never");
    settings.put(IngraftConfig.CDC_SINGLE_PARTITION, "true");
    kafka.createTopic(topic("orders"), 3, Map.of());
    pipeline = new IngestPipeline(IngraftConfig.fromMap(settings));
    assertThatThrownBy(pipeline::start)
        .isInstanceOfSatisfying(
            ChangeTopicPartitionsException.class,
            e -> {
              assertThat(e.topic()).isEqualTo(topic("orders"));
              assertThat(e.partitions()).isEqualTo(3);
            });
  }

  private void snapshotThenTransactions(KafkaTestBroker kafka) throws Exception {
    // The snapshot: edges' tables first, the last record last (Debezium's markers).
    send(
        "order_items",
        100,
        ShopFeed.itemKey(100, 10),
        snapshot("order_items", item(100, 10, 2), "first"));
    send("orders", 100, idKey(100), snapshot("orders", order(100, 1, 2), "true"));
    send("customers", 1, idKey(1), snapshot("customers", customer(1, null), "true"));
    send("customers", 2, idKey(2), snapshot("customers", customer(2, 1L), "true"));
    send("products", 11, idKey(11), snapshot("products", product(11, "2.50"), "true"));
    send("products", 10, idKey(10), snapshot("products", product(10, "1.00"), "last"));
    // A (800): a new customer and an order with two items.
    sendTx(begin(800, 4990));
    // B (801)'s changes arrive before A's, and A's in reverse order.
    send("orders", 100, idKey(100), change("u", "orders", "null", order(100, 2, 2), 801, 6001, 1));
    send(
        "customers",
        2,
        idKey(2),
        change("u", "customers", "null", customer(2, null), 801, 6002, 2));
    send("customers", 1, idKey(1), change("d", "customers", customerKey(1), "null", 801, 6003, 3));
    send("customers", 1, idKey(1), null);
    send(
        "order_items",
        111,
        itemKey(101, 11),
        change("c", "order_items", "null", item(101, 11, 4), 800, 5004, 4));
    send(
        "order_items",
        110,
        itemKey(101, 10),
        change("c", "order_items", "null", item(101, 10, 1), 800, 5003, 3));
    send("orders", 101, idKey(101), change("c", "orders", "null", order(101, 3, 5), 800, 5002, 2));
    send(
        "customers",
        3,
        idKey(3),
        change("c", "customers", "null", customer(3, null), 800, 5001, 1));
    sendTx(end(800, 5005, "public.customers", 1, "public.orders", 1, "public.order_items", 2));
    sendTx(begin(801, 6000));
    sendTx(end(801, 6004, "public.orders", 1, "public.customers", 2));
    // C (802): order 101 and its items go (ON DELETE CASCADE), with tombstones.
    sendTx(begin(802, 7000));
    send(
        "order_items",
        110,
        itemKey(101, 10),
        change("d", "order_items", item(101, 10, 1), "null", 802, 7001, 1));
    send("order_items", 110, itemKey(101, 10), null);
    send(
        "order_items",
        111,
        itemKey(101, 11),
        change("d", "order_items", item(101, 11, 4), "null", 802, 7002, 2));
    send("orders", 101, idKey(101), change("d", "orders", orderKey(101), "null", 802, 7003, 3));
    send("orders", 101, idKey(101), null);
    sendTx(end(802, 7004, "public.order_items", 2, "public.orders", 1));
    producer.flush();

    awaitTransaction("802");
    GraphSnapshot last = pipeline.engine().snapshot(GraphId.of(GRAPH));
    assertThat(keys(last, "Customer")).containsExactly(2L, 3L);
    assertThat(keys(last, "Product")).containsExactly(10L, 11L);
    assertThat(keys(last, "Order")).containsExactly(100L);
    assertThat(edges(last, "PlacedBy")).containsExactly("100->2");
    assertThat(edges(last, "Contains")).containsExactly("100->10");
    assertThat(last.edges("Contains", null).get(0).get("quantity")).isEqualTo(2);
    assertThat(edges(last, "ReferredBy")).isEmpty();

    List<String> txOrder = new ArrayList<>();
    boolean sawSnapshotInProgress = false;
    try (ObjectStore store = ObjectStore.open(StorageConfig.local(dir.resolve("data")))) {
      ManifestLog log = new ManifestLog(store, GraphId.of(GRAPH));
      for (long version : log.versions()) {
        Manifest manifest = log.read(version);
        Optional<CdcPosition> position = log.cdcPosition(manifest);
        if (position.isEmpty()) {
          continue;
        }
        GraphSnapshot at = pipeline.engine().snapshotAt(GraphId.of(GRAPH), version);
        if (position.get().snapshotInProgress()) {
          sawSnapshotInProgress = true;
          // Every node before any edge: a version of the loading snapshot that has edges has
          // all of the snapshot's nodes.
          if (at.count("PlacedBy") + at.count("Contains") + at.count("ReferredBy") > 0) {
            assertThat(List.of(at.count("Customer"), at.count("Order"), at.count("Product")))
                .as("nodes at version %d, during the snapshot", version)
                .containsExactly(2L, 1L, 2L);
          }
          continue;
        }
        if (txOrder.isEmpty() || !txOrder.get(txOrder.size() - 1).equals(position.get().txId())) {
          txOrder.add(position.get().txId());
        }
        assertCommittedState(at, version);
      }
    }
    assertThat(sawSnapshotInProgress).isTrue();
    // Every transaction is its own version (the writer may coalesce, never reorder).
    assertThat(List.of("700", "800", "801", "802")).containsSubsequence(txOrder);
    assertThat(txOrder).last().isEqualTo("802");
    // As of a source position: B's commit (LSN 6004), before C deleted order 101.
    GraphSnapshot asOfB = pipeline.engine().snapshotAsOfCdc(GraphId.of(GRAPH), 6500).orElseThrow();
    assertThat(keys(asOfB, "Order")).containsExactly(100L, 101L);
    assertThat(keys(asOfB, "Customer")).containsExactly(2L, 3L);
    // Tombstones are skipped, never dead-lettered.
    assertThat(
            kafka.endOffsets(prefix + ".dlq", PARTITIONS).values().stream()
                .mapToLong(Long::longValue)
                .sum())
        .isZero();
  }

  @Test
  void anOpenTransactionSurvivesAStageOneRestartWithItsLocalStateGone(KafkaTestBroker kafka)
      throws Exception {
    setUp(kafka, "never");
    start();
    sendTx(begin(900, 8000));
    send(
        "customers",
        5,
        idKey(5),
        change("c", "customers", "null", customer(5, null), 900, 8001, 1));
    send("orders", 500, idKey(500), change("c", "orders", "null", order(500, 5, 7), 900, 8002, 2));
    producer.flush();
    String group = prefix;
    KafkaTestBroker.await(
        TIMEOUT,
        "stage 1 consumed the first half of transaction 900",
        () ->
            kafka.committedOffsets(group, topic("orders"), PARTITIONS).values().stream()
                        .mapToLong(Long::longValue)
                        .sum()
                    == 1
                && kafka.committedOffsets(group, topic("customers"), PARTITIONS).values().stream()
                        .mapToLong(Long::longValue)
                        .sum()
                    == 1);
    pipeline.close();
    pipeline = null;
    deleteRecursively(dir.resolve("streams"));

    start();
    send(
        "order_items",
        500,
        itemKey(500, 10),
        change("c", "order_items", "null", item(500, 10, 3), 900, 8003, 3));
    send(
        "order_items",
        501,
        itemKey(500, 11),
        change("c", "order_items", "null", item(500, 11, 4), 900, 8004, 4));
    // The products exist from an earlier transaction whose END comes first.
    sendTx(end(899, 7999, "public.products", 2));
    send(
        "products",
        10,
        idKey(10),
        change("c", "products", "null", product(10, "1.00"), 899, 7990, 1));
    send(
        "products",
        11,
        idKey(11),
        change("c", "products", "null", product(11, "2.50"), 899, 7991, 2));
    sendTx(end(900, 8005, "public.customers", 1, "public.orders", 1, "public.order_items", 2));
    producer.flush();

    awaitTransaction("900");
    GraphSnapshot last = pipeline.engine().snapshot(GraphId.of(GRAPH));
    assertThat(keys(last, "Order")).containsExactly(500L);
    assertThat(edges(last, "Contains")).containsExactly("500->10", "500->11");
    assertThat(edges(last, "PlacedBy")).containsExactly("500->5");
    try (ObjectStore store = ObjectStore.open(StorageConfig.local(dir.resolve("data")))) {
      ManifestLog log = new ManifestLog(store, GraphId.of(GRAPH));
      for (long version : log.versions()) {
        assertCommittedState(pipeline.engine().snapshotAt(GraphId.of(GRAPH), version), version);
      }
    }
  }

  @Test
  void aSnapshotOfNodesOnlyEndsCompleteAcrossARestartWithItsLocalStateGone(KafkaTestBroker kafka)
      throws Exception {
    setUp(kafka, "initial");
    start();
    // Products have no foreign keys: the snapshot is nodes only, two per batch.
    send("products", 10, idKey(10), snapshot("products", product(10, "1.00"), "first"));
    send("products", 11, idKey(11), snapshot("products", product(11, "2.00"), "true"));
    send("products", 12, idKey(12), snapshot("products", product(12, "3.00"), "true"));
    producer.flush();
    // Nodes are written while the snapshot loads, in versions marked as such (two of the three:
    // the partitions interleave, and the latest node waits for the snapshot's end).
    KafkaTestBroker.await(
        TIMEOUT,
        "a version of the loading snapshot with two products",
        () -> {
          Optional<CdcPosition> at = latestPosition();
          return at.isPresent()
              && at.get().snapshotInProgress()
              && keys(pipeline.engine().snapshot(GraphId.of(GRAPH)), "Product").size() == 2;
        });
    pipeline.close();
    pipeline = null;
    deleteRecursively(dir.resolve("streams"));

    start();
    // The fourth node makes the node count a multiple of the batch size: the last event written
    // must still say the snapshot is complete.
    send("products", 13, idKey(13), snapshot("products", product(13, "4.00"), "last"));
    producer.flush();
    KafkaTestBroker.await(
        TIMEOUT,
        "a version that says the snapshot is complete",
        () -> latestPosition().map(p -> !p.snapshotInProgress()).orElse(false));
    GraphSnapshot last = pipeline.engine().snapshot(GraphId.of(GRAPH));
    assertThat(keys(last, "Product")).containsExactly(10L, 11L, 12L, 13L);
    assertThat(last.nodes("Product", null, List.of("id", "price")))
        .extracting(row -> ((Number) row.get("price")).doubleValue())
        .containsExactlyInAnyOrder(1.0, 2.0, 3.0, 4.0);
  }

  private Optional<CdcPosition> latestPosition() {
    try (ObjectStore store = ObjectStore.open(StorageConfig.local(dir.resolve("data")))) {
      ManifestLog log = new ManifestLog(store, GraphId.of(GRAPH));
      return log.latest().flatMap(log::cdcPosition);
    }
  }

  /** What holds after every committed transaction of the feed: whole orders. */
  private static void assertCommittedState(GraphSnapshot at, long version) {
    Map<Long, Long> customers = new HashMap<>();
    for (Map<String, Object> edge : at.edges("PlacedBy", null)) {
      customers.merge(((Number) edge.get("from")).longValue(), 1L, Long::sum);
    }
    Map<Long, Long> quantities = new HashMap<>();
    for (Map<String, Object> edge : at.edges("Contains", null)) {
      quantities.merge(
          ((Number) edge.get("from")).longValue(),
          ((Number) edge.get("quantity")).longValue(),
          Long::sum);
    }
    for (Map<String, Object> order : at.nodes("Order", null, null)) {
      long id = ((Number) order.get("id")).longValue();
      assertThat(customers.get(id))
          .as("customer edges of order %d at version %d", id, version)
          .isEqualTo(1L);
      assertThat((double) quantities.getOrDefault(id, 0L))
          .as("item quantities of order %d at version %d", id, version)
          .isEqualTo(((Number) order.get("total")).doubleValue());
    }
  }

  private void awaitTransaction(String txId) {
    KafkaTestBroker.await(
        TIMEOUT,
        "a version reflecting source transaction " + txId,
        () -> {
          try (ObjectStore store = ObjectStore.open(StorageConfig.local(dir.resolve("data")))) {
            ManifestLog log = new ManifestLog(store, GraphId.of(GRAPH));
            return log.latest()
                .flatMap(log::cdcPosition)
                .map(p -> p.txId().equals(txId))
                .orElse(false);
          }
        });
  }

  private static List<Long> keys(GraphSnapshot snapshot, String type) {
    return snapshot.nodes(type, null, List.of("id")).stream()
        .map(row -> ((Number) row.get("id")).longValue())
        .sorted()
        .toList();
  }

  private static List<String> edges(GraphSnapshot snapshot, String type) {
    return snapshot.edges(type, null).stream()
        .map(row -> row.get("from") + "->" + row.get("to"))
        .sorted()
        .toList();
  }

  private static void deleteRecursively(Path root) throws Exception {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
