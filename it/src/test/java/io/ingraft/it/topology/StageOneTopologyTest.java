package io.ingraft.it.topology;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.dlq.DeadLetterHeaders;
import io.ingraft.app.topology.IngestTopology;
import io.ingraft.app.topology.TopicSetup;
import io.ingraft.events.EventFormat;
import io.ingraft.events.GraphEventCodec;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.OpKind;
import io.ingraft.events.avro.SchemaBody;
import io.ingraft.events.avro.Seal;
import io.ingraft.events.avro.SealReason;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.it.kafka.TopicSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Stage 1 for real: KafkaStreams with exactly-once v2 against the in-JVM broker. Producers write
 * JSON and Avro events of several graphs, with and without keys, to a three-partition mutations
 * topic and a two-partition loads topic, plus records that are not valid events; the graph log,
 * read with read_committed, must hold every event exactly once, each graph's events in the order of
 * their source partitions, followed by seals that account for every event, and the dead-letter
 * topic exactly the bad records, byte for byte.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class StageOneTopologyTest {
  private static final Duration RUNNING_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration OUTPUT_TIMEOUT = Duration.ofSeconds(60);
  private static final List<String> GRAPHS = List.of("alpha", "beta", "gamma", "delta");
  private static final int EVENTS_PER_GRAPH = 40;

  private final GraphEventCodec codec = new GraphEventCodec();
  private KafkaStreams streams;
  private Path stateDir;

  /**
   * Stage 1's settings for a test of its own: topics and application id named by {@code prefix},
   * state under {@code stateDir}, small batches sealed after 200 ms.
   */
  static Map<String, String> stageOneSettings(
      KafkaTestBroker kafka, String prefix, Path stateDir, int partitions, int maxEvents) {
    Map<String, String> settings = new LinkedHashMap<>(TopicSettings.prefixed(prefix));
    settings.put("kafka.bootstrap.servers", kafka.bootstrapServers());
    settings.put("storage.root", stateDir.resolve("data").toString());
    settings.put("ingraft.state-dir", stateDir.resolve("streams").toString());
    settings.put("ingraft.application-id", prefix);
    settings.put("ingraft.topic.partitions", Integer.toString(partitions));
    settings.put("ingraft.seal.max-events", Integer.toString(maxEvents));
    settings.put("ingraft.seal.linger-ms", "200");
    return settings;
  }

  /**
   * The graph log holds every produced event exactly once, each graph's events in source order with
   * its provenance, loads and schema changes alone in their batches, and seals numbered in order
   * that count the events since the previous one (at most {@code maxEvents}).
   */
  static void assertGraphLogExact(
      Map<String, List<GraphLogRecord>> byGraph,
      Map<String, Position> produced,
      Map<String, String> kinds,
      int maxEvents) {
    List<String> loggedIds = new ArrayList<>();
    for (String graph : byGraph.keySet()) {
      List<GraphLogRecord> log = byGraph.get(graph);
      long nextSequence = 0;
      int sinceSeal = 0;
      Map<String, Long> lastOffsetBySource = new HashMap<>();
      for (int i = 0; i < log.size(); i++) {
        Object entry = log.get(i).getEntry();
        if (entry instanceof LoggedEvent logged) {
          String id = logged.getEvent().getEventId();
          loggedIds.add(id);
          sinceSeal++;
          // Provenance: exactly where the producer wrote it.
          assertThat(
                  new Position(
                      logged.getSourceTopic(),
                      logged.getSourcePartition(),
                      logged.getSourceOffset()))
              .as(id)
              .isEqualTo(produced.get(id));
          // Order: within each source partition, offsets only grow.
          String source = logged.getSourceTopic() + "-" + logged.getSourcePartition();
          Long previous = lastOffsetBySource.put(source, logged.getSourceOffset());
          assertThat(previous == null || previous < logged.getSourceOffset()).as(id).isTrue();
          String kind = kinds.get(id);
          if (!kind.equals("mutation")) {
            // Alone in its batch: a seal (or nothing) before it, its own seal right after.
            assertThat(i == 0 || log.get(i - 1).getEntry() instanceof Seal).as(id).isTrue();
            Seal after = (Seal) log.get(i + 1).getEntry();
            assertThat(after.getEventCount()).as(id).isEqualTo(1);
            assertThat(after.getReason())
                .as(id)
                .isEqualTo(kind.equals("load") ? SealReason.LOAD : SealReason.SCHEMA);
          }
        } else {
          Seal seal = (Seal) entry;
          assertThat(seal.getGraph()).isEqualTo(graph);
          assertThat(seal.getSequence()).isEqualTo(nextSequence++);
          assertThat(seal.getEventCount())
              .as(graph + " seal " + seal.getSequence())
              .isEqualTo(sinceSeal)
              .isPositive()
              .isLessThanOrEqualTo(maxEvents);
          sinceSeal = 0;
        }
      }
      assertThat(sinceSeal).as(graph + ": events after the last seal").isZero();
    }
    // Exactly once: every produced event, no duplicates, nothing else.
    assertThat(loggedIds)
        .doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(produced.keySet());
  }

  /** Where an event was produced. */
  record Position(String topic, int partition, long offset) {}

  /** Event {@code i} of a graph in the topology tests' workload, encoded for its topic. */
  record Planned(String id, String topic, String kind, byte[] value) {}

  /**
   * The topology tests' workload: event {@code i} of {@code graph} is a schema change at 0 and at
   * {@code secondSchemaAt}, a load (on the loads topic) at 5, 15, 25, ... otherwise, and a mutation
   * otherwise; even events are JSON, odd ones Avro.
   */
  static Planned planned(
      GraphEventCodec codec, IngraftConfig.Topics topics, String graph, int i, int secondSchemaAt) {
    String id = graph + "-" + i;
    GraphEvent event;
    String kind;
    if (i == 0 || i == secondSchemaAt) {
      event = schema(graph, id);
      kind = "schema";
    } else if (i % 10 == 5) {
      event = load(graph, id);
      kind = "load";
    } else {
      event = mutation(graph, id);
      kind = "mutation";
    }
    String topic = kind.equals("load") ? topics.loads() : topics.mutations();
    return new Planned(
        id, topic, kind, codec.encode(event, i % 2 == 0 ? EventFormat.JSON : EventFormat.AVRO));
  }

  /** Where each acknowledged send landed, by event id. */
  static Map<String, Position> positions(List<Map.Entry<String, Future<RecordMetadata>>> sends)
      throws Exception {
    Map<String, Position> produced = new LinkedHashMap<>();
    for (Map.Entry<String, Future<RecordMetadata>> send : sends) {
      RecordMetadata m = send.getValue().get(30, TimeUnit.SECONDS);
      produced.put(send.getKey(), new Position(m.topic(), m.partition(), m.offset()));
    }
    return produced;
  }

  /** The graph log read back: each graph's records in order, and the partitions they were in. */
  record GraphLog(
      Map<String, List<GraphLogRecord>> byGraph, Map<String, Set<Integer>> partitionsOfGraph) {}

  /**
   * Reads the graph log (read_committed) until it holds {@code events} logged events and every one
   * of {@code graphs} ends with a seal. Every record's key must be its graph.
   */
  static GraphLog readGraphLog(
      KafkaTestBroker kafka, String topic, int events, List<String> graphs) {
    GraphLogCodec logCodec = new GraphLogCodec();
    Map<String, List<GraphLogRecord>> byGraph = new HashMap<>();
    Map<String, Set<Integer>> partitionsOfGraph = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            readCommitted(kafka), new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = partitionsOf(consumer, topic);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      KafkaTestBroker.await(
          OUTPUT_TIMEOUT,
          "all events and final seals on the graph log",
          () -> {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
              GraphLogRecord record = logCodec.decode(r.value());
              assertThat(r.key()).isEqualTo(GraphLogCodec.graphOf(record));
              byGraph.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(record);
              partitionsOfGraph.computeIfAbsent(r.key(), k -> new TreeSet<>()).add(r.partition());
            }
            long logged =
                byGraph.values().stream()
                    .flatMap(List::stream)
                    .filter(rec -> rec.getEntry() instanceof LoggedEvent)
                    .count();
            return logged >= events
                && byGraph.keySet().containsAll(graphs)
                && graphs.stream().allMatch(g -> last(byGraph.get(g)).getEntry() instanceof Seal);
          });
    }
    return new GraphLog(byGraph, partitionsOfGraph);
  }

  /** A record that must end on the dead-letter topic, and with which code. */
  record Bad(String key, byte[] value, String code) {}

  @AfterEach
  void stop() throws IOException {
    stopAndDelete(streams, stateDir);
  }

  /** Closes {@code streams} (if started), wipes its local state and deletes {@code stateDir}. */
  static void stopAndDelete(KafkaStreams streams, Path stateDir) throws IOException {
    if (streams != null) {
      streams.close(Duration.ofSeconds(30));
      streams.cleanUp();
    }
    if (stateDir != null && Files.exists(stateDir)) {
      try (Stream<Path> paths = Files.walk(stateDir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  @Test
  void everyEventReachesTheGraphLogExactlyOnceAndEveryBatchIsSealed(KafkaTestBroker kafka)
      throws Exception {
    String prefix = KafkaTestBroker.uniqueName("stage1");
    stateDir = Files.createTempDirectory(Path.of("target"), "stage1-").toAbsolutePath();
    IngraftConfig config = IngraftConfig.fromMap(stageOneSettings(kafka, prefix, stateDir, 3, 7));
    IngraftConfig.Topics topics = config.topics();
    // The loads topic has fewer partitions than the mutations topic: only the repartition by
    // graph brings a graph's mutations and loads together.
    kafka.createTopic(topics.loads(), 2, Map.of());
    TopicSetup.ensure(kafka.admin(), config);

    streams = new KafkaStreams(IngestTopology.build(config), IngestTopology.streamsProps(config));
    streams.setUncaughtExceptionHandler(IngestTopology.uncaughtExceptionHandler());
    streams.start();
    KafkaTestBroker.await(
        RUNNING_TIMEOUT,
        "Kafka Streams RUNNING",
        () -> streams.state() == KafkaStreams.State.RUNNING);

    Map<String, Position> produced = new LinkedHashMap<>();
    Map<String, String> kinds = new HashMap<>();
    List<Bad> bad =
        List.of(
            new Bad("alpha", "definitely not an event".getBytes(UTF_8), "NOT_AN_EVENT"),
            new Bad("beta", "{\"graph\": \"beta\", ".getBytes(UTF_8), "BAD_JSON"),
            new Bad(
                "gamma",
                codec.encode(mutation("delta", "stray"), EventFormat.AVRO),
                "KEY_MISMATCH"),
            new Bad(
                null,
                ("{\"graph\": \"Not/A/Graph\", \"eventId\": \"x\", \"schema\": {\"source\":"
                        + " \"node A { k: String @key }\"}}")
                    .getBytes(UTF_8),
                "BAD_GRAPH_ID"));
    try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
      List<Map.Entry<String, Future<RecordMetadata>>> sends = new ArrayList<>();
      for (int i = 0; i < EVENTS_PER_GRAPH; i++) {
        for (String graph : GRAPHS) {
          Planned event = planned(codec, topics, graph, i, 25);
          kinds.put(event.id(), event.kind());
          // Graph "delta" is produced without keys: stage 1 keys it by its graph id.
          byte[] key = graph.equals("delta") ? null : graph.getBytes(UTF_8);
          sends.add(
              Map.entry(
                  event.id(),
                  producer.send(new ProducerRecord<>(event.topic(), key, event.value()))));
        }
        if (i % 10 == 3) {
          Bad b = bad.get(i / 10);
          producer.send(
              new ProducerRecord<>(
                  topics.mutations(), b.key() == null ? null : b.key().getBytes(UTF_8), b.value()));
        }
      }
      producer.flush();
      produced.putAll(positions(sends));
    }

    GraphLog log = readGraphLog(kafka, topics.graphLog(), produced.size(), GRAPHS);
    Map<String, List<GraphLogRecord>> byGraph = log.byGraph();
    Map<String, Set<Integer>> partitionsOfGraph = log.partitionsOfGraph();

    // The repartition topic takes the partition count of the larger source topic.
    String repartition = prefix + "-" + IngestTopology.BY_GRAPH + "-repartition";
    assertThat(
            kafka
                .admin()
                .describeTopics(List.of(repartition))
                .allTopicNames()
                .get(10, TimeUnit.SECONDS)
                .get(repartition)
                .partitions())
        .hasSize(3);
    assertThat(byGraph.keySet()).containsExactlyInAnyOrderElementsOf(GRAPHS);
    // All records of a graph in one graph-log partition, so the writer sees them in order.
    assertThat(partitionsOfGraph.values()).allSatisfy(p -> assertThat(p).hasSize(1));

    assertGraphLogExact(byGraph, produced, kinds, 7);

    // The dead letters: exactly the bad records, byte for byte, with their reason.
    List<ConsumerRecord<byte[], byte[]>> dead = readAll(kafka, topics.dlq(), bad.size());
    assertThat(dead).hasSize(bad.size());
    Map<String, ConsumerRecord<byte[], byte[]>> deadByCode =
        dead.stream()
            .collect(
                Collectors.toMap(
                    r -> DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.CODE), r -> r));
    for (Bad b : bad) {
      ConsumerRecord<byte[], byte[]> r = deadByCode.get(b.code());
      assertThat(r).as(b.code()).isNotNull();
      assertThat(r.value()).isEqualTo(b.value());
      assertThat(r.key()).isEqualTo(b.key() == null ? null : b.key().getBytes(UTF_8));
      assertThat(DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.SOURCE_TOPIC))
          .isEqualTo(topics.mutations());
      assertThat(DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.STAGE))
          .isEqualTo("topology");
    }
  }

  static GraphLogRecord last(List<GraphLogRecord> log) {
    return log.get(log.size() - 1);
  }

  static KafkaProducer<byte[], byte[]> producer(KafkaTestBroker kafka) {
    Map<String, Object> config = kafka.clientConfig();
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  static Map<String, Object> readCommitted(KafkaTestBroker kafka) {
    Map<String, Object> config = kafka.clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return config;
  }

  static List<TopicPartition> partitionsOf(KafkaConsumer<?, ?> consumer, String topic) {
    return consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
        .map(p -> new TopicPartition(topic, p.partition()))
        .toList();
  }

  /** Reads {@code topic} from the start until {@code expected} records came (or the deadline). */
  static List<ConsumerRecord<byte[], byte[]>> readAll(
      KafkaTestBroker kafka, String topic, int expected) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            readCommitted(kafka), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = partitionsOf(consumer, topic);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      KafkaTestBroker.await(
          OUTPUT_TIMEOUT,
          expected + " records on " + topic,
          () -> {
            consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            return out.size() >= expected;
          });
      // Anything beyond the expected records that is already committed shows up here too.
      consumer.poll(Duration.ofMillis(500)).forEach(out::add);
    }
    return out;
  }

  static GraphEvent mutation(String graph, String eventId) {
    Map<String, Object> props = new LinkedHashMap<>();
    props.put("name", eventId);
    props.put("n", 1L);
    return new GraphEvent(
        graph,
        eventId,
        System.currentTimeMillis(),
        new MutationBody(
            new ArrayList<>(
                List.of(
                    new Op(OpKind.UPSERT_NODE, "Person", null, null, null, null, props, null)))));
  }

  static GraphEvent load(String graph, String eventId) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("name", eventId);
    return new GraphEvent(
        graph,
        eventId,
        null,
        new LoadBody(LoadMode.MERGE, Map.of("Person", List.of(row)), Map.of(), null));
  }

  static GraphEvent schema(String graph, String eventId) {
    return new GraphEvent(
        graph, eventId, null, new SchemaBody("node Person { name: String @key  n: I64? }"));
  }
}
