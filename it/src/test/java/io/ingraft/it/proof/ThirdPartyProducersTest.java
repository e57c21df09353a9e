package io.ingraft.it.proof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.app.IngestPipeline;
import io.ingraft.app.dlq.DeadLetterHeaders;
import io.ingraft.events.EventFormat;
import io.ingraft.events.GraphEventCodec;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.it.kafka.KafkaTestBroker;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three independent producers, none of them Ingraft's, feed three graphs through the whole pipeline
 * ({@link IngestPipeline}, both stages in process, as {@code ingraft run}):
 *
 * <ul>
 *   <li>Debian's {@code kcat -P -K '|'} (librdkafka) sends JSON lines keyed by graph id;
 *   <li>a plain Java {@code KafkaProducer} sends Avro single-object records keyed by graph id;
 *   <li>Debian's {@code python3-confluent-kafka} under {@code /usr/bin/python3}, with the legacy
 *       {@code confluent_kafka.avro.AvroProducer}, sends Confluent-framed Avro: it registers the
 *       GraphEvent schema (read from the .avsc shipped in the avro-schemas jar) with the in-test
 *       {@link ConfluentRegistryStub}, and stage 1 fetches the writer schema by id from there
 *       ({@code ingraft.schema-registry.url}). AvroProducer can only send Avro keys, and an Avro
 *       key is not the graph id's UTF-8 bytes, so it sends without a key, to one pinned partition
 *       per topic (stage 1 keys unkeyed records by graph; the pinned partition keeps their order).
 * </ul>
 *
 * <p>Each graph must come out exactly as its events say; the only dead letters are the events meant
 * to be rejected; the registry must have been asked by both clients. A missing tool fails the test
 * ({@code .ci/run} installs kcat, python3-confluent-kafka, python3-avro and python3-requests).
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class ThirdPartyProducersTest {
  private static final Logger LOG = LoggerFactory.getLogger(ThirdPartyProducersTest.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PYTHON = "/usr/bin/python3";
  private static final long PROCESS_TIMEOUT_SECONDS = 60;
  private static final int EVENTS = 40;
  private static final String AVSC = "io/ingraft/events/avro/GraphEvent.avsc";

  static final String PYTHON_PRODUCER =
      """
      import json, sys
      from confluent_kafka import avro
      from confluent_kafka.avro import AvroProducer

      bootstrap, registry, schema_file, events_file = sys.argv[1:5]
      schema = avro.load(schema_file)
      errors = []

      def on_delivery(err, msg):
          if err is not None:
              errors.append(str(err))

      producer = AvroProducer({'bootstrap.servers': bootstrap,
                               'schema.registry.url': registry,
                               'enable.idempotence': True},
                              default_value_schema=schema)
      sent = 0
      with open(events_file) as lines:
          for line in lines:
              record = json.loads(line)
              producer.produce(topic=record['topic'], partition=record['partition'],
                               value=record['event'], on_delivery=on_delivery)
              sent += 1
      undelivered = producer.flush(30)
      if undelivered or errors:
          print('undelivered=%d errors=%s' % (undelivered, errors), file=sys.stderr)
          sys.exit(1)
      print('delivered %d' % sent)
      """;

  @TempDir Path tmp;

  @Test
  void kcatJavaAndPythonProducersEachBuildTheirGraphExactly(KafkaTestBroker kafka)
      throws Exception {
    long seed = Long.getLong("ingraft.proof.seed", System.nanoTime());
    LOG.info("third-party producers: seed {}", seed);
    Random random = new Random(seed);
    Workload kcat = Workload.generate("kcat-json", EVENTS, random);
    Workload java = Workload.generate("java-avro", EVENTS, random);
    Workload python = Workload.generate("python-confluent", EVENTS, random);
    List<Workload> workloads = List.of(kcat, java, python);
    int total = workloads.stream().mapToInt(w -> w.events.size()).sum();

    try (ConfluentRegistryStub registry = new ConfluentRegistryStub();
        ProofRig rig = new ProofRig(kafka, tmp.resolve("pipeline"), 2)) {
      rig.with("ingraft.schema-registry.url", registry.url());
      try (IngestPipeline pipeline = new IngestPipeline(rig.config("third-party-writer"))) {
        pipeline.start();
        Supplier<String> dead = () -> pipeline.isRunning() ? null : "the pipeline stopped";

        // Mutations (the schema event first), then, once the graphs exist, the loads: they
        // travel on the loads topic, and stage 1 keeps order only within a source partition.
        sendWithKcat(rig, kcat, false);
        sendWithJava(rig, java, false);
        sendWithPython(rig, registry, python, false);
        KafkaTestBroker.await(
            ProofRig.TIMEOUT,
            "the three graphs created",
            () -> {
              if (dead.get() != null) {
                throw new AssertionError(dead.get());
              }
              return workloads.stream().allMatch(w -> rig.exists(w.graph));
            });
        sendWithKcat(rig, kcat, true);
        sendWithJava(rig, java, true);
        sendWithPython(rig, registry, python, true);

        rig.awaitEventsLogged(total, dead);
        rig.awaitCommittedToEnd(dead);
      }

      for (Workload w : workloads) {
        Proofs.assertExactlyOnce(rig, w, 0, -1);
      }
      // No crash: every rejected event has its dead letter, and nothing else is dead.
      List<ConsumerRecord<byte[], byte[]>> dead = rig.readAll(rig.dlq, rig.partitions);
      List<String> expectedDead = workloads.stream().flatMap(w -> w.rejected.stream()).toList();
      assertThat(
              dead.stream()
                  .map(r -> DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.EVENT_ID))
                  .toList())
          .as("dead letters: the rejected events, nothing stage 1 failed to decode")
          .containsExactlyInAnyOrderElementsOf(expectedDead);
      assertThat(dead)
          .allSatisfy(
              r -> {
                assertThat(DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.STAGE))
                    .isEqualTo("writer");
                assertThat(DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.CODE))
                    .isEqualTo("NODE_NOT_FOUND");
              });
      // The wire formats really were the three: JSON from kcat, Avro single-object from Java,
      // Confluent framing (magic 0, schema id) from Python, which registered the schema; stage 1
      // fetched it by id.
      List<ConsumerRecord<byte[], byte[]>> input =
          new ArrayList<>(rig.readAll(rig.mutations, rig.partitions));
      input.addAll(rig.readAll(rig.loads, rig.partitions));
      assertThat(input).hasSize(total);
      for (ConsumerRecord<byte[], byte[]> r : input) {
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        byte first = r.value()[0];
        if (key == null) {
          assertThat(first).as("python record").isEqualTo((byte) 0x00);
        } else if (key.equals(kcat.graph)) {
          assertThat(first).as("kcat record").isEqualTo((byte) '{');
        } else {
          assertThat(key).isEqualTo(java.graph);
          assertThat(first).as("java record").isEqualTo((byte) 0xC3);
        }
      }
      assertThat(registry.requests())
          .as("registry calls")
          .contains("POST /subjects/" + rig.mutations + "-value/versions")
          .anyMatch(r -> r.startsWith("GET /schemas/ids/"));
      // The loads subject is registered only when the random workload gave Python a load.
      boolean pythonLoads = python.events.stream().anyMatch(Workload::isLoad);
      assertThat(registry.requests().contains("POST /subjects/" + rig.loads + "-value/versions"))
          .as("registry call for the loads subject (python sent loads: %s)", pythonLoads)
          .isEqualTo(pythonLoads);
      LOG.info("third-party producers: {} events, registry calls {}", total, registry.requests());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The producers

  /** kcat -P -K '|': one "graph|json" line per event, keyed by graph id. */
  private void sendWithKcat(ProofRig rig, Workload w, boolean loads) throws Exception {
    StringBuilder lines = new StringBuilder();
    int count = 0;
    for (GraphEvent event : w.events) {
      if (Workload.isLoad(event) == loads) {
        String json = JSON.writeValueAsString(EventRenderings.json(event));
        assertThat(json).doesNotContain("|").doesNotContain("\n");
        lines.append(w.graph).append('|').append(json).append('\n');
        count++;
      }
    }
    if (count > 0) {
      run(
          "kcat",
          lines.toString(),
          "kcat",
          "-P",
          "-b",
          rig.kafka.bootstrapServers(),
          "-t",
          loads ? rig.loads : rig.mutations,
          "-K",
          "|");
    }
  }

  /** A plain Java producer, Avro single-object encoding, keyed by graph id. */
  private static void sendWithJava(ProofRig rig, Workload w, boolean loads) {
    GraphEventCodec codec = new GraphEventCodec();
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (GraphEvent event : w.events) {
      if (Workload.isLoad(event) == loads) {
        records.add(
            new ProducerRecord<>(
                loads ? rig.loads : rig.mutations,
                w.graph.getBytes(StandardCharsets.UTF_8),
                codec.encode(event, EventFormat.AVRO)));
      }
    }
    rig.sendAll(records);
  }

  /** The legacy confluent_kafka.avro.AvroProducer, Confluent framing, no key, partition 1. */
  private void sendWithPython(
      ProofRig rig, ConfluentRegistryStub registry, Workload w, boolean loads) throws Exception {
    Path schema = tmp.resolve("GraphEvent.avsc");
    if (!Files.exists(schema)) {
      try (var in = GraphEventCodec.class.getClassLoader().getResourceAsStream(AVSC)) {
        assertThat(in).as(AVSC + " in the avro-schemas jar").isNotNull();
        Files.write(schema, in.readAllBytes());
      }
    }
    Path script = tmp.resolve("avro_producer.py");
    Files.writeString(script, PYTHON_PRODUCER, StandardCharsets.UTF_8);
    StringBuilder lines = new StringBuilder();
    int count = 0;
    for (GraphEvent event : w.events) {
      if (Workload.isLoad(event) == loads) {
        lines
            .append(
                JSON.writeValueAsString(
                    Map.of(
                        "topic",
                        loads ? rig.loads : rig.mutations,
                        "partition",
                        1,
                        "event",
                        EventRenderings.avroDict(event))))
            .append('\n');
        count++;
      }
    }
    if (count == 0) {
      return;
    }
    Path events = tmp.resolve(loads ? "python-loads.jsonl" : "python-mutations.jsonl");
    Files.writeString(events, lines.toString(), StandardCharsets.UTF_8);
    String out =
        run(
            "python3-confluent-kafka",
            "",
            PYTHON,
            script.toString(),
            rig.kafka.bootstrapServers(),
            registry.url(),
            schema.toString(),
            events.toString());
    assertThat(out).contains("delivered " + count);
  }

  /**
   * Runs a command with {@code stdin}, waits for it with a deadline (killing it on timeout), and
   * returns its merged output; fails the test if it cannot start or exits non-zero.
   */
  private String run(String tool, String stdin, String... command) throws Exception {
    Path output = Files.createTempFile(tmp, "out-", ".txt");
    Process process;
    try {
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
    } catch (IOException e) {
      return fail(
          tool
              + " is not installed ("
              + String.join(" ", command)
              + "); .ci/run"
              + " installs it: apt-get install kcat python3-confluent-kafka python3-avro"
              + " python3-requests",
          e);
    }
    try {
      try (OutputStream in = process.getOutputStream()) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        fail(
            tool
                + " did not finish within "
                + PROCESS_TIMEOUT_SECONDS
                + " s: "
                + Files.readString(output));
      }
    } finally {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
    String text = Files.readString(output);
    assertThat(process.exitValue()).as("%s exit status; output:%n%s", tool, text).isZero();
    return text;
  }
}
