package io.ingraft.it.proof;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.app.cli.IngraftCli;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.topology.TopicSetup;
import io.ingraft.app.writer.GraphWriter;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.MaintenancePolicy;
import io.ingraft.events.EventFormat;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.recovery.AuditRecord;
import io.ingraft.recovery.RecoveryAudit;
import io.ingraft.recovery.SidecarStore;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.StorageConfig;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
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

/**
 * What the proof suites share: the five topics of one pipeline of their own on the test broker
 * (made by {@link TopicSetup}, as {@code ingraft run} makes them), a writer group, a Streams
 * application id and state directory, a storage root (a local directory, or an S3 bucket prefix), a
 * producer, and the reads the assertions need (committed and end offsets, whole topics read with
 * {@code read_committed}, exports through a reader engine that never writes, manifests, sidecars,
 * audit rows, and {@code ingraft graph verify}).
 */
final class ProofRig implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(90);

  /**
   * Setting: writers (children and in-process) compact a table above this many fragments, so that
   * maintenance commits happen often and crashes can land in them too.
   */
  static final String COMPACT_ABOVE = "proof.compact-above-fragments";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** {@code ingraft graph verify} prints through System.out: one capture at a time. */
  private static final Object STDOUT = new Object();

  /** The {@code ingraft} command-line option of each storage setting. */
  private static final Map<String, String> STORAGE_OPTIONS =
      Map.of(
          StorageConfig.ROOT, "--storage-root",
          StorageConfig.S3_ENDPOINT, "--s3-endpoint",
          StorageConfig.S3_REGION, "--s3-region",
          StorageConfig.S3_ACCESS_KEY, "--s3-access-key",
          StorageConfig.S3_SECRET_KEY, "--s3-secret-key");

  final KafkaTestBroker kafka;
  final Path dir;
  final int partitions;
  final String prefix;
  final String mutations;
  final String loads;
  final String graphLog;
  final String dlq;
  final String commits;
  final String group;

  /** The local storage root; for an S3 rig an unused directory under {@link #dir}. */
  final Path dataRoot;

  final StorageConfig storage;
  final ObjectStore store;
  final TableStore tables;
  private final Map<String, String> overrides = new HashMap<>();
  private final KafkaProducer<byte[], byte[]> producer;
  private final GraphLogCodec logCodec = new GraphLogCodec();

  /** Reads only: takes nothing over, publishes nothing. */
  private final GraphEngine reader;

  /** The engines handed out by {@link #engine}, closed before the storage. */
  private final List<GraphEngine> engines = new CopyOnWriteArrayList<>();

  ProofRig(KafkaTestBroker kafka, Path dir, int partitions) {
    this(kafka, dir, partitions, StorageConfig.local(dir.resolve("data")));
  }

  /** A rig whose graphs live where {@code storage} says (for the S3 server faults). */
  ProofRig(KafkaTestBroker kafka, Path dir, int partitions, StorageConfig storage) {
    this.kafka = kafka;
    this.dir = dir;
    this.partitions = partitions;
    this.prefix = KafkaTestBroker.uniqueName("proof");
    this.mutations = prefix + ".mutations";
    this.loads = prefix + ".loads";
    this.graphLog = prefix + ".graph-log";
    this.dlq = prefix + ".dlq";
    this.commits = prefix + ".commits";
    this.group = prefix + "-writers";
    this.dataRoot = dir.resolve("data");
    this.storage = storage;
    this.store = ObjectStore.open(storage);
    this.tables = new TableStore(store);
    this.reader = new GraphEngine(store, tables, "proof-reader", Clock.systemUTC());
    Map<String, Object> props = kafka.clientConfig();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    // One request in flight: right after topic creation a partition's log can lag its metadata,
    // and a retried first batch must not be overtaken by later ones (seen here as
    // OUT_OF_ORDER_SEQUENCE_NUMBER forever with five in flight).
    props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    this.producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    TopicSetup.ensure(kafka.admin(), config("proof-setup"));
  }

  /** Sets (or with null removes) a setting every later {@link #settings} carries. */
  ProofRig with(String key, String value) {
    if (value == null) {
      overrides.remove(key);
    } else {
      overrides.put(key, value);
    }
    return this;
  }

  /**
   * The settings of one pipeline instance, as {@code ingraft run --config} would read them: short
   * session timeouts (the broker allows 1 s), fast seals.
   */
  Map<String, String> settings(String writerId) {
    Map<String, String> s = new HashMap<>();
    s.put(IngraftConfig.BOOTSTRAP, kafka.bootstrapServers());
    s.putAll(storageSettings());
    s.put("ingraft.topic.mutations", mutations);
    s.put("ingraft.topic.loads", loads);
    s.put("ingraft.topic.graph-log", graphLog);
    s.put("ingraft.topic.dlq", dlq);
    s.put("ingraft.topic.commits", commits);
    s.put("ingraft.topic.partitions", Integer.toString(partitions));
    s.put("ingraft.application-id", prefix + "-ingest");
    s.put("ingraft.state-dir", dir.resolve("streams").toString());
    s.put("ingraft.seal.max-events", "25");
    s.put("ingraft.seal.linger-ms", "100");
    s.put("ingraft.writer.id", writerId);
    s.put("ingraft.writer.group", group);
    s.put("ingraft.writer.threads", "2");
    s.put("kafka.session.timeout.ms", "3000");
    s.put("kafka.heartbeat.interval.ms", "500");
    s.putAll(overrides);
    return s;
  }

  IngraftConfig config(String writerId) {
    // proof.* keys set up the test itself (ProofChildMain reads them), not the pipeline.
    Map<String, String> settings = new HashMap<>(settings(writerId));
    settings.keySet().removeIf(key -> key.startsWith("proof."));
    return IngraftConfig.fromMap(settings);
  }

  /** {@code key=value} arguments for {@link ProofChildMain}. */
  String[] childArgs(String mode, String writerId) {
    List<String> args = new ArrayList<>();
    args.add(mode);
    settings(writerId).forEach((k, v) -> args.add(k + "=" + v));
    return args.toArray(String[]::new);
  }

  /** An engine on the rig's storage; the rig closes it (before the storage) when it closes. */
  GraphEngine engine(String writerId) {
    GraphEngine engine =
        new GraphEngine(
            store, tables, writerId, Clock.systemUTC(), maintenance(overrides.get(COMPACT_ABOVE)));
    engines.add(engine);
    return engine;
  }

  /**
   * The pipeline's policy (compactions staged in the background), or the same with compaction above
   * the given fragment count.
   */
  static MaintenancePolicy maintenance(String compactAboveFragments) {
    return compactAboveFragments == null
        ? MaintenancePolicy.DEFAULT.inBackground()
        : new MaintenancePolicy(
                Integer.parseInt(compactAboveFragments),
                0.2,
                10_000,
                MaintenancePolicy.DEFAULT.smallFragmentRows())
            .inBackground();
  }

  /** An in-process writer with fast polls, commits and retries. */
  GraphWriter startWriter(String writerId, GraphEngine engine, Duration fenceGrace) {
    GraphWriter writer =
        new GraphWriter(config(writerId), engine, Clock.systemUTC(), fastOptions(fenceGrace));
    writer.start();
    return writer;
  }

  static GraphWriter.Options fastOptions(Duration fenceGrace) {
    return new GraphWriter.Options(
        Duration.ofMillis(50),
        Duration.ofMillis(200),
        Duration.ofMillis(50),
        Duration.ofSeconds(1),
        Duration.ofSeconds(30),
        Duration.ofSeconds(30),
        fenceGrace);
  }

  // ---------------------------------------------------------------------------------------------
  // Producing

  ProducerRecord<byte[], byte[]> logRecord(int partition, String graph, GraphLogRecord record) {
    return new ProducerRecord<>(
        graphLog,
        partition,
        graph.getBytes(StandardCharsets.UTF_8),
        logCodec.encode(record, EventFormat.AVRO));
  }

  /** Sends the records (without waiting for each) and returns where each landed, in order. */
  List<RecordMetadata> sendAll(List<ProducerRecord<byte[], byte[]>> records) {
    List<Future<RecordMetadata>> futures = new ArrayList<>();
    records.forEach(r -> futures.add(producer.send(r)));
    producer.flush();
    List<RecordMetadata> sent = new ArrayList<>();
    for (Future<RecordMetadata> future : futures) {
      try {
        sent.add(future.get(30, TimeUnit.SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("cannot produce", e);
      }
    }
    return sent;
  }

  // ---------------------------------------------------------------------------------------------
  // Offsets

  Map<TopicPartition, Long> endOffsets(String topic, int count) {
    return kafka.endOffsets(topic, count);
  }

  /** The writer group's committed offsets on the graph log, 0 where it committed none. */
  Map<TopicPartition, Long> committed() {
    return kafka.committedOffsets(group, graphLog, partitions);
  }

  long committedSum() {
    return committed().values().stream().mapToLong(Long::longValue).sum();
  }

  boolean committedToEnd() {
    return committed().equals(endOffsets(graphLog, partitions));
  }

  /**
   * Waits until the group has committed every graph-log partition to its end; {@code alive} is
   * checked on the way, so a dead writer fails fast with its output.
   */
  void awaitCommittedToEnd(Supplier<String> deadWriter) {
    KafkaTestBroker.await(
        TIMEOUT,
        "group " + group + " committed to the end of " + graphLog,
        () -> {
          String dead = deadWriter.get();
          if (dead != null) {
            throw new AssertionError(dead);
          }
          return committedToEnd();
        });
  }

  /**
   * Waits until the graph log, read_committed from the beginning, holds {@code total} logged
   * events; {@code deadWriter} is checked on the way.
   */
  void awaitEventsLogged(int total, Supplier<String> deadWriter) {
    Map<String, Object> props = kafka.clientConfig();
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> all = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        all.add(new TopicPartition(graphLog, p));
      }
      consumer.assign(all);
      consumer.seekToBeginning(all);
      int[] events = {0};
      KafkaTestBroker.await(
          TIMEOUT,
          total + " events in " + graphLog,
          () -> {
            String dead = deadWriter.get();
            if (dead != null) {
              throw new AssertionError(dead);
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
              if (decodeLog(r.value()).getEntry() instanceof LoggedEvent) {
                events[0]++;
              }
            }
            return events[0] >= total;
          });
    }
  }

  /** Every record of a topic from the beginning to its current end, read_committed. */
  List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int count) {
    Map<TopicPartition, Long> end = endOffsets(topic, count);
    Map<String, Object> props = kafka.clientConfig();
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(end.keySet());
      consumer.seekToBeginning(end.keySet());
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("timed out reading " + topic);
        }
        consumer.poll(Duration.ofMillis(100)).forEach(records::add);
      }
    }
    return records;
  }

  GraphLogRecord decodeLog(byte[] value) {
    return logCodec.decode(value);
  }

  // ---------------------------------------------------------------------------------------------
  // Storage

  boolean exists(String graph) {
    return reader.exists(GraphId.of(graph));
  }

  /** The graph's latest published state as export lines. */
  String export(String graph) {
    StringWriter out = new StringWriter();
    reader.snapshot(GraphId.of(graph)).export(out);
    return out.toString();
  }

  Manifest latest(String graph) {
    return new ManifestLog(store, GraphId.of(graph)).require();
  }

  /** Every published manifest version of a graph, oldest first. */
  List<Manifest> manifests(String graph) {
    ManifestLog log = new ManifestLog(store, GraphId.of(graph));
    return log.versions().stream().map(log::read).toList();
  }

  List<String> sidecars(String graph) {
    return new SidecarStore(store).list(GraphId.of(graph));
  }

  List<AuditRecord> audit(String graph) {
    return new RecoveryAudit(tables).read(GraphId.of(graph));
  }

  /** The graph-log source name the manifests record offsets under. */
  String source(int partition) {
    return graphLog + ":" + partition;
  }

  /**
   * {@code ingraft graph verify --json} on the graph, with the Kafka check (every event of the
   * graph below the writer group's committed offset is applied): its exit code and report.
   */
  record Verified(int exitCode, JsonNode report, String output) {}

  Verified verify(String graph) {
    synchronized (STDOUT) {
      PrintStream original = System.out;
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      int code;
      try (PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
        System.setOut(capture);
        List<String> args =
            new ArrayList<>(
                List.of(
                    "graph",
                    "verify",
                    "-g",
                    graph,
                    "--json",
                    "--bootstrap-servers",
                    kafka.bootstrapServers(),
                    "--topic",
                    graphLog,
                    "--group",
                    group));
        storageSettings()
            .forEach(
                (key, value) -> {
                  args.add(STORAGE_OPTIONS.get(key));
                  args.add(value);
                });
        code = IngraftCli.execute(args.toArray(String[]::new));
      } finally {
        System.setOut(original);
      }
      String output = captured.toString(StandardCharsets.UTF_8);
      JsonNode report = null;
      for (String line : output.split("\n")) {
        if (line.startsWith("{") && line.contains("\"ok\"")) {
          try {
            report = JSON.readTree(line);
          } catch (Exception e) {
            throw new IllegalStateException("unreadable verify report: " + line, e);
          }
        }
      }
      return new Verified(code, report, output);
    }
  }

  /** The storage part of {@link #settings}. */
  private Map<String, String> storageSettings() {
    Map<String, String> s = new HashMap<>();
    if (!storage.isS3()) {
      s.put(StorageConfig.ROOT, storage.localRoot().toString());
      return s;
    }
    s.put(StorageConfig.ROOT, storage.root().toString());
    s.put(StorageConfig.S3_REGION, storage.s3Region());
    storage.s3Endpoint().ifPresent(e -> s.put(StorageConfig.S3_ENDPOINT, e.toString()));
    storage.s3AccessKey().ifPresent(k -> s.put(StorageConfig.S3_ACCESS_KEY, k));
    storage.s3SecretKey().ifPresent(k -> s.put(StorageConfig.S3_SECRET_KEY, k));
    return s;
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
    engines.forEach(GraphEngine::close);
    tables.close();
    store.close();
  }
}
