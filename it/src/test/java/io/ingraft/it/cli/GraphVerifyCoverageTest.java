package io.ingraft.it.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.cli.IngraftCli;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.engine.event.SourcePosition;
import io.ingraft.events.EventFormat;
import io.ingraft.events.GraphEventCodec;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.RetryRecord;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code graph verify --bootstrap-servers}: an event the writer group committed past but the graph
 * never applied is reported (exit 1); once it is applied, verify passes.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class GraphVerifyCoverageTest {

  @Test
  void anEventCommittedButNotAppliedIsFound(KafkaTestBroker broker) throws Exception {
    String topic = broker.createTopic("graph-log", 1);
    String group = KafkaTestBroker.uniqueName("writers");
    GraphEventCodec codec = new GraphEventCodec();
    GraphLogCodec logCodec = new GraphLogCodec();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            broker.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < 5; i++) {
        var event =
            codec.decode(
                ("{\"graph\":\"g\",\"eventId\":\"e"
                        + i
                        + "\",\"mutation\":{\"ops\":"
                        + "[{\"op\":\"upsertNode\",\"type\":\"N\",\"props\":{\"id\":\"n"
                        + i
                        + "\"}}]}}")
                    .getBytes(StandardCharsets.UTF_8));
        producer
            .send(
                new ProducerRecord<>(
                    topic,
                    0,
                    "g".getBytes(StandardCharsets.UTF_8),
                    logCodec.encode(
                        GraphLogCodec.logged(event, "ingraft.mutations", 0, i), EventFormat.AVRO)))
            .get(30, TimeUnit.SECONDS);
      }
    }
    broker
        .admin()
        .alterConsumerGroupOffsets(
            group, Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(5)))
        .all()
        .get(30, TimeUnit.SECONDS);

    Path root = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "verify-");
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      GraphEngine engine = new GraphEngine(store, tables, "w", Clock.systemUTC());
      GraphId g = GraphId.of("g");
      engine.createGraph(g, "node N { id: String @key }\n");
      for (int i = 0; i < 3; i++) {
        apply(engine, topic, i);
      }
      String[] verify = {
        "graph",
        "verify",
        "--storage-root",
        root.toString(),
        "--graph",
        "g",
        "--bootstrap-servers",
        broker.bootstrapServers(),
        "--topic",
        topic,
        "--group",
        group,
        "--json"
      };
      Run missing = run(verify);
      assertThat(missing.exitCode()).isEqualTo(1);
      assertThat(missing.out())
          .contains("\"ok\":false")
          .contains(topic + "-0@3")
          .contains(topic + "-0@4");

      apply(engine, topic, 3);
      apply(engine, topic, 4);
      Run complete = run(verify);
      assertThat(complete.exitCode()).as(complete.out()).isZero();
      assertThat(complete.out()).contains("\"ok\":true");

      // A graph its writer keeps failing to write is stuck: verify and status say so.
      java.time.Instant since = java.time.Instant.parse("2026-12-02T10:00:00Z");
      engine
          .retryRecords()
          .write(
              g,
              new RetryRecord(
                  since, 7, "StorageIoException: disk full", since.plusSeconds(60), "w-1"));
      Run stuck = run(verify);
      assertThat(stuck.exitCode()).as(stuck.out()).isEqualTo(1);
      assertThat(stuck.out())
          .contains(
              "retrying since 2026-12-02T10:00:00Z: 7 failed attempts in a row by writer w-1");
      Run status = run("graph", "status", "--storage-root", root.toString(), "--graph", "g");
      assertThat(status.out())
          .contains("RETRYING since 2026-12-02T10:00:00Z")
          .contains("disk full");
      engine.retryRecords().clear(g);
      assertThat(run(verify).exitCode()).isZero();
    }
  }

  private static void apply(GraphEngine engine, String topic, int offset) {
    engine.apply(
        GraphId.of("g"),
        List.of(
            new GraphEvent(
                "g",
                "e" + offset,
                new SourcePosition(topic + ":0", offset),
                null,
                new EventBody.Mutation(
                    List.of(new Op.UpsertNode("N", Map.of("id", "n" + offset)))))));
  }

  private record Run(int exitCode, String out) {}

  private static Run run(String... args) {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    // picocli writes through its own PrintWriter over System.out, created per execution.
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      int code = IngraftCli.execute(args);
      return new Run(code, captured.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(original);
    }
  }
}
