package io.ingraft.it.topology;

import static io.ingraft.it.topology.StageOneTopologyTest.load;
import static io.ingraft.it.topology.StageOneTopologyTest.mutation;
import static io.ingraft.it.topology.StageOneTopologyTest.planned;
import static io.ingraft.it.topology.StageOneTopologyTest.positions;
import static io.ingraft.it.topology.StageOneTopologyTest.producer;
import static io.ingraft.it.topology.StageOneTopologyTest.readAll;
import static io.ingraft.it.topology.StageOneTopologyTest.readGraphLog;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.cli.IngraftCli;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.dlq.DeadLetterHeaders;
import io.ingraft.app.topology.IngestTopology;
import io.ingraft.app.topology.TopicSetup;
import io.ingraft.events.EventFormat;
import io.ingraft.events.GraphEventCodec;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.it.topology.StageOneTopologyTest.GraphLog;
import io.ingraft.it.topology.StageOneTopologyTest.Planned;
import io.ingraft.it.topology.StageOneTopologyTest.Position;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Stage 1 in keyed-by-graph mode ({@code ingraft.topology.keyed-by-graph=true}) against the in-JVM
 * broker: producers key every event by its graph id and let Kafka's default partitioner place it in
 * four-partition mutations and loads topics; stage 1 runs without a repartition, and the graph log,
 * read with read_committed, must hold every event exactly once, each graph's events in source order
 * with seals that account for every event. Records that break the keying rule are dead-lettered
 * with MISSING_RECORD_KEY, KEY_MISMATCH or WRONG_PARTITION.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class KeyedStageOneTopologyTest {
  private static final Duration RUNNING_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration OUTPUT_TIMEOUT = Duration.ofSeconds(60);
  private static final int PARTITIONS = 4;
  private static final List<String> GRAPHS =
      List.of("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta");
  private static final int EVENTS_PER_GRAPH = 30;
  private static final int MAX_EVENTS = 7;

  private final GraphEventCodec codec = new GraphEventCodec();
  private KafkaStreams streams;
  private Path stateDir;

  /** A record that must end on the dead-letter topic, where it was sent, and with which code. */
  record Bad(String topic, Integer partition, String key, byte[] value, String code) {}

  @AfterEach
  void stop() throws IOException {
    StageOneTopologyTest.stopAndDelete(streams, stateDir);
  }

  @Test
  void withoutTheRepartitionEveryEventReachesTheGraphLogOnceAndEveryBatchIsSealed(
      KafkaTestBroker kafka) throws Exception {
    String prefix = KafkaTestBroker.uniqueName("keyed1");
    stateDir = Files.createTempDirectory(Path.of("target"), "keyed1-").toAbsolutePath();
    IngraftConfig config = IngraftConfig.fromMap(settings(kafka, prefix, stateDir));
    IngraftConfig.Topics topics = config.topics();
    assertThat(config.stageOne().keyedByGraph()).isTrue();
    TopicSetup.ensure(kafka.admin(), config);

    streams = new KafkaStreams(IngestTopology.build(config), IngestTopology.streamsProps(config));
    streams.setUncaughtExceptionHandler(IngestTopology.uncaughtExceptionHandler());
    streams.start();
    KafkaTestBroker.await(
        RUNNING_TIMEOUT,
        "Kafka Streams RUNNING",
        () -> streams.state() == KafkaStreams.State.RUNNING);

    List<Bad> bad =
        List.of(
            new Bad(
                topics.mutations(),
                null,
                null,
                codec.encode(mutation("alpha", "keyless"), EventFormat.JSON),
                "MISSING_RECORD_KEY"),
            new Bad(
                topics.mutations(),
                null,
                "gamma",
                codec.encode(mutation("delta", "stray"), EventFormat.AVRO),
                "KEY_MISMATCH"),
            new Bad(
                topics.mutations(),
                (partitionOf("beta") + 1) % PARTITIONS,
                "beta",
                codec.encode(mutation("beta", "misplaced"), EventFormat.AVRO),
                "WRONG_PARTITION"),
            new Bad(
                topics.loads(),
                (partitionOf("iota") + 3) % PARTITIONS,
                "iota",
                codec.encode(load("iota", "misplaced-load"), EventFormat.JSON),
                "WRONG_PARTITION"));

    Map<String, Position> produced = new LinkedHashMap<>();
    Map<String, String> kinds = new HashMap<>();
    try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
      List<Map.Entry<String, Future<RecordMetadata>>> sends = new ArrayList<>();
      for (int i = 0; i < EVENTS_PER_GRAPH; i++) {
        for (String graph : GRAPHS) {
          Planned event = planned(codec, topics, graph, i, 17);
          kinds.put(event.id(), event.kind());
          // Keyed by graph id, placed by the producer's default partitioner.
          sends.add(
              Map.entry(
                  event.id(),
                  producer.send(
                      new ProducerRecord<>(event.topic(), graph.getBytes(UTF_8), event.value()))));
        }
        if (i % 7 == 3) {
          Bad b = bad.get(i / 7);
          producer.send(
              new ProducerRecord<>(
                  b.topic(),
                  b.partition(),
                  b.key() == null ? null : b.key().getBytes(UTF_8),
                  b.value()));
        }
      }
      producer.flush();
      produced.putAll(positions(sends));
    }
    // The rule stage 1 checks is the one the producer applied.
    produced.forEach(
        (id, position) ->
            assertThat(position.partition())
                .as(id)
                .isEqualTo(partitionOf(id.substring(0, id.indexOf('-')))));

    GraphLog log = readGraphLog(kafka, topics.graphLog(), produced.size(), GRAPHS);
    Map<String, List<GraphLogRecord>> byGraph = log.byGraph();
    Map<String, Set<Integer>> partitionsOfGraph = log.partitionsOfGraph();

    // No repartition topic; the store's changelog keeps its name, one partition per task.
    Set<String> names = kafka.admin().listTopics().names().get(10, TimeUnit.SECONDS);
    assertThat(names)
        .doesNotContain(prefix + "-" + IngestTopology.BY_GRAPH + "-repartition")
        .noneMatch(name -> name.startsWith(prefix + "-") && name.endsWith("-repartition"));
    String changelog = prefix + "-" + IngestTopology.BATCH_STORE + "-changelog";
    assertThat(
            kafka
                .admin()
                .describeTopics(List.of(changelog))
                .allTopicNames()
                .get(10, TimeUnit.SECONDS)
                .get(changelog)
                .partitions())
        .hasSize(PARTITIONS);

    assertThat(byGraph.keySet()).containsExactlyInAnyOrderElementsOf(GRAPHS);
    // Each graph in one graph-log partition: the default partitioner's choice for its id, the
    // same partition number its events came from.
    for (String graph : GRAPHS) {
      assertThat(partitionsOfGraph.get(graph)).as(graph).containsExactly(partitionOf(graph));
    }

    StageOneTopologyTest.assertGraphLogExact(byGraph, produced, kinds, MAX_EVENTS);

    // The dead letters: exactly the records that broke the keying rule, byte for byte.
    List<ConsumerRecord<byte[], byte[]>> dead = readAll(kafka, topics.dlq(), bad.size());
    assertThat(dead).hasSize(bad.size());
    for (Bad b : bad) {
      assertThat(dead)
          .as(b.code() + " on " + b.topic())
          .filteredOn(
              r ->
                  b.topic()
                      .equals(DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.SOURCE_TOPIC)))
          .filteredOn(
              r -> b.code().equals(DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.CODE)))
          .filteredOn(r -> Arrays.equals(b.value(), r.value()))
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.key()).isEqualTo(b.key() == null ? null : b.key().getBytes(UTF_8));
                assertThat(DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.STAGE))
                    .isEqualTo("topology");
                if (b.partition() != null) {
                  assertThat(
                          DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.SOURCE_PARTITION))
                      .isEqualTo(Integer.toString(b.partition()));
                  assertThat(DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.MESSAGE))
                      .contains("is in partition " + b.partition())
                      .contains("partition " + partitionOf(b.key()) + " of " + PARTITIONS);
                }
              });
    }
  }

  @Test
  void runExitsWithTheBadConfigCodeWhenASourceTopicHasAnotherPartitionCount(KafkaTestBroker kafka)
      throws Exception {
    String prefix = KafkaTestBroker.uniqueName("keyed2");
    stateDir = Files.createTempDirectory(Path.of("target"), "keyed2-").toAbsolutePath();
    kafka.createTopic(prefix + ".mutations", 3, Map.of());
    Path file = stateDir.resolve("ingraft.properties");
    StringBuilder properties = new StringBuilder();
    settings(kafka, prefix, stateDir)
        .forEach((k, v) -> properties.append(k).append('=').append(v).append('\n'));
    Files.writeString(file, properties);

    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    // picocli writes through its own PrintWriter over System.err, created per execution.
    System.setErr(new PrintStream(captured, true, UTF_8));
    try {
      code = IngraftCli.execute("run", "--config", file.toString());
    } finally {
      System.setErr(original);
    }

    assertThat(code).isEqualTo(4);
    assertThat(captured.toString(UTF_8))
        .contains("topic " + prefix + ".mutations")
        .contains("has 3 partitions")
        .contains("ingraft.topic.partitions=4");
    assertThat(kafka.admin().listTopics().names().get(10, TimeUnit.SECONDS))
        .doesNotContain(prefix + ".loads", prefix + ".graph-log");
  }

  private static Map<String, String> settings(KafkaTestBroker kafka, String prefix, Path stateDir) {
    Map<String, String> settings =
        StageOneTopologyTest.stageOneSettings(kafka, prefix, stateDir, PARTITIONS, MAX_EVENTS);
    settings.put("ingraft.topology.keyed-by-graph", "true");
    // ingraft run serves no HTTP endpoint here: nothing reads it.
    settings.put("ingraft.http.port", "-1");
    return settings;
  }

  /** Kafka's default partitioner for a record keyed by {@code graph}. */
  private static int partitionOf(String graph) {
    return Utils.toPositive(Utils.murmur2(graph.getBytes(UTF_8))) % PARTITIONS;
  }
}
