package io.ingraft.it.dist;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.engine.GraphEngine;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.it.kafka.TopicSettings;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.GraphNotFoundException;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.table.TableStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The distribution as an operator gets it: {@code ingraft-VERSION.tar.gz} unpacked into an empty
 * directory and run with a bare environment (no inherited variables, an empty HOME, JAVA_HOME, and
 * a PATH holding only the few tools the launcher uses: no {@code mvn}, no {@code java}). The demo
 * runs from it; the service's {@code lib/} carries no Kafka server or Scala; and two {@code
 * bin/ingraft run} instances with one configuration file (no state directory set) run side by side
 * on one host, and a SIGTERM makes each drain, commit and exit 0.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class DistributionTest {
  private static final Path TARGET =
      Path.of(System.getProperty("user.dir")).getParent().resolve("ingest-app/dist/target");

  /** What bin/ingraft runs: bash (through /usr/bin/env), and these from coreutils/findutils. */
  private static final List<String> LAUNCHER_TOOLS = List.of("bash", "dirname", "mkdir", "find");

  private static final int PARTITIONS = 2;

  private static Path work;
  private static Path home;
  private static Path tools;

  @BeforeAll
  static void unpack() throws Exception {
    Path tarball;
    try (Stream<Path> files = Files.list(TARGET)) {
      tarball =
          files
              .filter(p -> p.getFileName().toString().matches("ingraft-.*\\.tar\\.gz"))
              .findFirst()
              .orElseThrow(
                  () ->
                      new AssertionError(
                          "no ingraft-*.tar.gz in " + TARGET + ": build it with mvn package"));
    }
    work = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "dist-");
    Path unpacked = Files.createDirectories(work.resolve("opt"));
    Process tar =
        new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", unpacked.toString())
            .inheritIO()
            .start();
    assertThat(tar.waitFor(120, TimeUnit.SECONDS) && tar.exitValue() == 0)
        .as("tar -xzf %s", tarball)
        .isTrue();
    try (Stream<Path> dirs = Files.list(unpacked)) {
      home = dirs.findFirst().orElseThrow();
    }
    tools = Files.createDirectories(work.resolve("tools"));
    for (String tool : LAUNCHER_TOOLS) {
      Path real =
          Stream.of("/usr/bin", "/bin")
              .map(d -> Path.of(d, tool))
              .filter(Files::isExecutable)
              .findFirst()
              .orElseThrow(() -> new AssertionError("no " + tool + " on this machine"));
      Files.createSymbolicLink(tools.resolve(tool), real);
    }
  }

  /** The unpacked tree is 400 MB; nothing of it is worth keeping. */
  @AfterAll
  static void deleteWork() throws IOException {
    if (work == null) {
      return;
    }
    try (Stream<Path> paths = Files.walk(work)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void theLayoutKeepsTheBrokerOutOfTheService() throws IOException {
    assertThat(home.getFileName().toString()).startsWith("ingraft-");
    assertThat(home.resolve("bin/ingraft")).isExecutable();
    assertThat(home.resolve("conf/ingraft.properties")).isRegularFile();
    assertThat(jars(home.resolve("lib")))
        .anyMatch(n -> n.startsWith("ingraft-ingest-app-"))
        .anyMatch(n -> n.startsWith("kafka-streams-"))
        .anyMatch(n -> n.startsWith("logback-classic-"))
        .noneMatch(
            n ->
                n.startsWith("kafka_2.13-")
                    || n.startsWith("scala-")
                    || n.startsWith("ingraft-demo-"));
    assertThat(jars(home.resolve("lib/demo")))
        .anyMatch(n -> n.startsWith("kafka_2.13-"))
        .anyMatch(n -> n.startsWith("scala-library-"))
        .anyMatch(n -> n.startsWith("ingraft-demo-"))
        .noneMatch(n -> n.startsWith("kafka-clients-") || n.startsWith("lance-core-"));
  }

  @Test
  void theDemoRunsFromTheUnpackedTarballInABareEnvironment() throws Exception {
    Path demo = work.resolve("demo");
    Result result =
        run(
            List.of("demo", "--dir", demo.toString(), "--people", "200", "--timeout", "150"),
            work.resolve("demo.log"),
            Duration.ofSeconds(200));
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output())
        .contains("Summary")
        .containsPattern("Person\\s+\\d+")
        .contains("Stopped the pipeline and the broker.")
        .contains(home.resolve("bin/ingraft") + " graph status");
  }

  @Test
  void twoInstancesWithOneConfigurationRunSideBySideAndStopCleanlyOnSigterm(KafkaTestBroker kafka)
      throws Exception {
    String prefix = KafkaTestBroker.uniqueName("dist");
    Map<String, String> settings = new HashMap<>(TopicSettings.prefixed(prefix));
    settings.put("kafka.bootstrap.servers", kafka.bootstrapServers());
    settings.put("storage.root", work.resolve("graphs").toString());
    settings.put("ingraft.application-id", prefix);
    settings.put("ingraft.writer.group", prefix + "-writer");
    settings.put("ingraft.topic.partitions", Integer.toString(PARTITIONS));
    settings.put("ingraft.seal.linger-ms", "100");
    // Progress is committed only on a revocation and on the stop: what is committed at the end
    // was committed by the graceful stop (or a rebalance), not by a timer.
    settings.put("ingraft.writer.commit-interval-ms", "3600000");
    // Two instances on one host need an HTTP port each: 0 picks a free one.
    settings.put("ingraft.http.port", "0");
    settings.put("kafka.session.timeout.ms", "6000");
    settings.put("kafka.heartbeat.interval.ms", "1000");
    Path config = work.resolve(prefix + ".properties");
    StringBuilder text = new StringBuilder();
    settings.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
    Files.writeString(config, text.toString(), UTF_8);

    List<Process> instances = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        Path log = work.resolve(prefix + "-" + i + ".log");
        logs.add(log);
        instances.add(
            start(List.of("run", "--config", config.toString(), "--status-interval", "1"), log));
      }
      for (Path log : logs) {
        KafkaTestBroker.await(
            Duration.ofSeconds(90),
            "pipeline started in " + log,
            () -> read(log).contains("pipeline started"));
      }
      // Same configuration, no ingraft.state-dir: each took a state directory of its own.
      String both = read(logs.get(0)) + read(logs.get(1));
      assertThat(both)
          .contains("/ingraft-state/" + prefix + "/instance-0")
          .contains("/ingraft-state/" + prefix + "/instance-1");

      int perGraph = 50;
      List<String> graphs = List.of("g0", "g1", "g2", "g3");
      produce(kafka, settings.get("ingraft.topic.mutations"), graphs, perGraph);
      KafkaTestBroker.await(
          Duration.ofSeconds(120),
          "every event applied",
          () -> graphs.stream().allMatch(g -> nodes(g) == perGraph));
      for (Process instance : instances) {
        assertThat(instance.isAlive()).as("instance running before the SIGTERM").isTrue();
      }

      for (Process instance : instances) {
        instance.destroy(); // SIGTERM
      }
      for (int i = 0; i < instances.size(); i++) {
        Process instance = instances.get(i);
        assertThat(instance.waitFor(90, TimeUnit.SECONDS)).as("stopped within 90 s").isTrue();
        assertThat(instance.exitValue()).as(read(logs.get(i))).isZero();
        assertThat(read(logs.get(i))).contains("pipeline stopped");
      }
    } finally {
      for (Process instance : instances) {
        instance.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
    // Nothing is left behind a committed offset: both stages committed all they had done.
    assertThat(uncommitted(kafka, prefix, settings.get("ingraft.topic.mutations")))
        .as("stage 1's uncommitted records")
        .isZero();
    assertThat(uncommitted(kafka, prefix + "-writer", settings.get("ingraft.topic.graph-log")))
        .as("the writer's uncommitted records")
        .isZero();
  }

  private static void produce(
      KafkaTestBroker kafka, String topic, List<String> graphs, int perGraph) throws Exception {
    Map<String, Object> props = kafka.clientConfig();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (String g : graphs) {
        send(
            producer,
            topic,
            g,
            "{\"graph\":\""
                + g
                + "\",\"eventId\":\"schema\",\"schema\":"
                + "{\"source\":\"node N {\\n  id: String @key\\n}\\n\"}}");
        for (int i = 0; i < perGraph; i++) {
          send(
              producer,
              topic,
              g,
              "{\"graph\":\""
                  + g
                  + "\",\"eventId\":\"e"
                  + i
                  + "\","
                  + "\"mutation\":{\"ops\":[{\"op\":\"upsertNode\",\"type\":\"N\",\"props\":"
                  + "{\"id\":\"n"
                  + i
                  + "\"}}]}}");
        }
      }
      producer.flush();
    }
  }

  private static void send(
      KafkaProducer<byte[], byte[]> producer, String topic, String graph, String json) {
    producer.send(new ProducerRecord<>(topic, graph.getBytes(UTF_8), json.getBytes(UTF_8)));
  }

  /** Nodes of type N in a graph, 0 while it does not exist. */
  private static long nodes(String graph) {
    try (LocalObjectStore store = new LocalObjectStore(work.resolve("graphs"));
        TableStore tables = new TableStore(store)) {
      return new GraphEngine(store, tables, "probe", Clock.systemUTC())
          .snapshot(GraphId.of(graph))
          .count("N");
    } catch (GraphNotFoundException e) {
      return 0;
    }
  }

  /** Committed records of {@code topic} after {@code group}'s committed offsets. */
  private static long uncommitted(KafkaTestBroker kafka, String group, String topic) {
    Map<TopicPartition, Long> committed = kafka.committedOffsets(group, topic, PARTITIONS);
    Map<TopicPartition, Long> end = kafka.endOffsets(topic, PARTITIONS);
    Map<String, Object> props = kafka.clientConfig();
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    long records = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(committed.keySet());
      committed.forEach(consumer::seek);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (committed.keySet().stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        assertThat(System.nanoTime() < deadline).as("read %s to its end", topic).isTrue();
        records += consumer.poll(Duration.ofMillis(200)).count();
      }
    }
    return records;
  }

  private record Result(int exitCode, String output) {}

  private static Result run(List<String> args, Path log, Duration timeout) throws Exception {
    Process process = start(args, log);
    try {
      if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        throw new AssertionError("bin/ingraft " + args + " did not finish:\n" + read(log));
      }
      return new Result(process.exitValue(), read(log));
    } finally {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** bin/ingraft in a bare environment: as {@code env -i}, plus what a JRE install provides. */
  private static Process start(List<String> args, Path log) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(home.resolve("bin/ingraft").toString());
    command.addAll(args);
    Path emptyHome = Files.createDirectories(work.resolve("home"));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(work.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.clear();
    env.put("PATH", tools.toString());
    env.put("HOME", emptyHome.toString());
    env.put("JAVA_HOME", System.getProperty("java.home"));
    // The launcher's default tmpdir would be /tmp/ingraft-<uid>; under target/ the test leaves
    // nothing behind.
    env.put("TMPDIR", work.toString());
    return builder.start();
  }

  private static List<String> jars(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).toList();
    }
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log, UTF_8) : "";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
