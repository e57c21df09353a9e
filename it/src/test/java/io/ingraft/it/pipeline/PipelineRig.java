package io.ingraft.it.pipeline;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.app.IngestPipeline;
import io.ingraft.app.cli.IngraftCli;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.writer.WriterStats;
import io.ingraft.events.EventFormat;
import io.ingraft.events.GraphEventCodec;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.it.kafka.TopicSettings;
import io.ingraft.storage.GraphId;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * What the end-to-end suites share: one {@link IngestPipeline} (both stages in this JVM) over a
 * storage root of its own, on topics, a Streams application id and a writer group that no other
 * test uses on the shared in-JVM broker; a plain Java producer for the producer topics; and the
 * reads the assertions need (whole topics, end and committed offsets, exports, the CLI).
 *
 * <p>Every wait is deadline-polled ({@link KafkaTestBroker#await}), never a fixed sleep.
 */
final class PipelineRig implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final int PARTITIONS = 3;
  private static final ObjectMapper JSON = new ObjectMapper();

  final KafkaTestBroker kafka;
  final Path dir;
  final String prefix;
  final IngraftConfig.Topics topics;
  private final Map<String, String> settings;
  private final KafkaProducer<byte[], byte[]> producer;
  private final GraphEventCodec codec = new GraphEventCodec();
  private IngestPipeline pipeline;

  /** Events applied or rejected by pipelines of this rig that were stopped. */
  private long processedByStopped;

  PipelineRig(KafkaTestBroker kafka, Path dir) {
    this(kafka, dir, Map.of());
  }

  /** A rig whose pipelines also get {@code extra} settings (over the rig's own). */
  PipelineRig(KafkaTestBroker kafka, Path dir, Map<String, String> extra) {
    this.kafka = kafka;
    this.dir = dir;
    this.prefix = KafkaTestBroker.uniqueName("e2e");
    this.settings = new HashMap<>();
    settings.put(IngraftConfig.BOOTSTRAP, kafka.bootstrapServers());
    settings.put("storage.root", storageRoot().toString());
    settings.put("ingraft.state-dir", dir.resolve("streams").toString());
    settings.put("ingraft.application-id", prefix);
    settings.putAll(TopicSettings.prefixed(prefix));
    settings.put("ingraft.topic.partitions", Integer.toString(PARTITIONS));
    // Small batches, closed quickly: several batches per graph, and idle graphs seal fast.
    settings.put("ingraft.seal.max-events", "4");
    settings.put("ingraft.seal.linger-ms", "100");
    settings.put("ingraft.writer.group", prefix + "-writer");
    settings.put("ingraft.writer.threads", "2");
    // A member that went away (a stopped pipeline's Streams client does not leave its group) is
    // noticed in seconds, not the default 45.
    settings.put("kafka.session.timeout.ms", "3000");
    settings.put("kafka.heartbeat.interval.ms", "500");
    settings.putAll(extra);
    this.topics = IngraftConfig.fromMap(withWriter("probe")).topics();
    Map<String, Object> props = kafka.clientConfig();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // Records up to what the pipeline forwards (the topic decides what it takes).
    props.put(
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, io.ingraft.app.dlq.RecordLimits.MAX_RECORD_BYTES);
    this.producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  Path storageRoot() {
    return dir.resolve("data");
  }

  private Map<String, String> withWriter(String writerId) {
    Map<String, String> s = new HashMap<>(settings);
    s.put("ingraft.writer.id", writerId);
    return s;
  }

  IngraftConfig config(String writerId) {
    return IngraftConfig.fromMap(withWriter(writerId));
  }

  /** The rig's settings with {@code writerId} and {@code overrides} on top. */
  IngraftConfig config(String writerId, Map<String, String> overrides) {
    Map<String, String> s = withWriter(writerId);
    s.putAll(overrides);
    return IngraftConfig.fromMap(s);
  }

  /** Starts a pipeline (creating the topics when missing) and waits until stage 1 runs. */
  IngestPipeline start(String writerId) {
    if (pipeline != null) {
      throw new IllegalStateException("a pipeline is running; stop it first");
    }
    pipeline = new IngestPipeline(config(writerId));
    pipeline.start();
    KafkaTestBroker.await(
        TIMEOUT,
        "stage 1 RUNNING and the writer assigned",
        () ->
            pipeline.topologyState() == KafkaStreams.State.RUNNING
                && pipeline.stats().assignedPartitions() == PARTITIONS);
    return pipeline;
  }

  IngestPipeline pipeline() {
    return pipeline;
  }

  /** Stops the running pipeline gracefully; returns its writer's final stats (null if none). */
  WriterStats stop() {
    if (pipeline == null) {
      return null;
    }
    pipeline.close();
    WriterStats last = pipeline.stats();
    processedByStopped += last.eventsApplied() + last.eventsRejected();
    pipeline = null;
    return last;
  }

  // ---------------------------------------------------------------------------------------------
  // Producing

  /** Where a record was produced, and its bytes. */
  record Sent(String topic, int partition, long offset, byte[] key, byte[] value) {}

  byte[] encode(GraphEvent event, EventFormat format) {
    return codec.encode(event, format);
  }

  /** Sends an event keyed by its graph id, in {@code format}, to {@code topic}. */
  Future<RecordMetadata> send(String topic, GraphEvent event, EventFormat format) {
    return sendRaw(topic, event.getGraph().getBytes(UTF_8), encode(event, format), null);
  }

  Future<RecordMetadata> sendRaw(String topic, byte[] key, byte[] value, Headers headers) {
    return producer.send(new ProducerRecord<>(topic, null, key, value, headers));
  }

  static RecordMetadata await(Future<RecordMetadata> sent) {
    try {
      return sent.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot produce", e);
    }
  }

  void flush() {
    producer.flush();
  }

  // ---------------------------------------------------------------------------------------------
  // Waiting

  /** Waits until the running writer's stats satisfy {@code condition}. */
  WriterStats awaitStats(String what, Predicate<WriterStats> condition) {
    try {
      KafkaTestBroker.await(TIMEOUT, what, () -> condition.test(pipeline.stats()));
    } catch (IllegalStateException e) {
      throw new AssertionError(e.getMessage() + "; writer stats: " + pipeline.stats(), e);
    }
    return pipeline.stats();
  }

  /**
   * Waits until the writers of this rig, the running one and the stopped ones together, have
   * applied or rejected {@code events} events. (Skipped events do not count: a re-read event is not
   * progress.)
   */
  WriterStats awaitProcessed(long events) {
    return awaitStats(
        "writers processed " + events + " events",
        s -> processedByStopped + s.eventsApplied() + s.eventsRejected() >= events);
  }

  /** Waits until the writer group has committed every graph-log partition up to its end. */
  void awaitCommittedToEnd() {
    KafkaTestBroker.await(
        TIMEOUT,
        "writer group committed the graph log to its end",
        () -> committed().equals(endOffsets(topics.graphLog())));
  }

  // ---------------------------------------------------------------------------------------------
  // Reading back

  Map<TopicPartition, Long> endOffsets(String topic) {
    return kafka.endOffsets(topic, PARTITIONS);
  }

  /** The writer group's committed graph-log offsets, 0 where it never committed. */
  Map<TopicPartition, Long> committed() {
    return kafka.committedOffsets(
        config("probe").writer().groupId(), topics.graphLog(), PARTITIONS);
  }

  /** Every committed record of a topic, from the beginning to its current end. */
  List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
    Map<TopicPartition, Long> end = endOffsets(topic);
    Map<String, Object> props = kafka.clientConfig();
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(end.keySet());
      consumer.seekToBeginning(end.keySet());
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("timed out reading " + topic);
        }
        consumer.poll(Duration.ofMillis(100)).forEach(records::add);
      }
    }
    return records;
  }

  /** The graph's latest published state, exported by the running pipeline's engine. */
  String export(String graph) {
    StringWriter out = new StringWriter();
    pipeline.engine().snapshot(GraphId.of(graph)).export(out);
    return out.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // The CLI

  /** An {@code ingraft} command's exit code and what it printed on stdout. */
  record CliResult(int exitCode, String stdout) {}

  /**
   * Runs {@code ingraft <args> --storage-root <this storage root>} in this JVM, capturing stdout.
   * The console log appender writes warnings to stdout too, so callers pick their lines out of the
   * output rather than compare all of it.
   */
  synchronized CliResult cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--storage-root");
    all.add(storageRoot().toString());
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int exit;
    try (PrintStream capture = new PrintStream(captured, true, UTF_8)) {
      System.setOut(capture);
      try {
        exit = IngraftCli.execute(all.toArray(String[]::new));
      } finally {
        System.setOut(original);
      }
    }
    return new CliResult(exit, captured.toString(UTF_8));
  }

  /** {@code ingraft graph export -g <graph> -o <file>}: the export, as the CLI writes it. */
  String cliExport(String graph) throws Exception {
    Path file = Files.createTempFile(dir, "export-" + graph + "-", ".jsonl");
    CliResult result = cli("graph", "export", "-g", graph, "-o", file.toString());
    if (result.exitCode() != 0) {
      throw new AssertionError(
          "ingraft graph export -g "
              + graph
              + " exited with "
              + result.exitCode()
              + ": "
              + result.stdout());
    }
    return Files.readString(file, UTF_8);
  }

  /**
   * {@code ingraft graph verify -g <graph> --json} with the Kafka half of the check (every event of
   * the graph that the writer group committed is applied): the exit code and the JSON report.
   */
  Verified verify(String graph) throws Exception {
    CliResult result =
        cli(
            "graph",
            "verify",
            "-g",
            graph,
            "--json",
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--topic",
            topics.graphLog(),
            "--group",
            config("probe").writer().groupId());
    String line =
        result
            .stdout()
            .lines()
            .filter(l -> l.startsWith("{\"graph\":"))
            .findFirst()
            .orElseThrow(
                () ->
                    new AssertionError(
                        "no JSON report from ingraft graph verify -g "
                            + graph
                            + " (exit "
                            + result.exitCode()
                            + "): "
                            + result.stdout()));
    return new Verified(result.exitCode(), JSON.readTree(line));
  }

  /** What {@code graph verify --json} said. */
  record Verified(int exitCode, JsonNode report) {
    boolean ok() {
      return exitCode == 0 && report.get("ok").asBoolean() && report.get("problems").isEmpty();
    }
  }

  @Override
  public void close() {
    try {
      stop();
    } finally {
      producer.close(Duration.ofSeconds(5));
    }
  }
}
