package io.ingraft.it.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.app.kafka.LocalKafkaBroker;
import io.ingraft.app.local.ConnectWorker;
import io.ingraft.app.local.LocalProcessException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The closest real peer, measured on the pipeline benchmark's own broker: the Apache Iceberg Kafka
 * Connect sink (1.10.1) in a Connect standalone worker, a child JVM on the classpath that the
 * {@code it/iceberg-peer} module writes ({@code mvn -Ppeer}), draining a backlog of schemaless JSON
 * rows into one auto-created table of a Hadoop catalog in a temporary warehouse.
 *
 * <p>The protocol is the pipeline benchmark's preload: W warm-up rows are produced and drained
 * (JIT, table and consumer group warm), the connector is paused through the REST API, N more rows
 * are produced, and the clock starts just before the REST {@code resume}. It stops at the table
 * version that first holds all W + N rows: the mtime of its {@code vK.metadata.json}, which the
 * Hadoop catalog writes and renames into place. Each row carries the properties of the pipeline's
 * {@code Person} node events ({@link PipelineBenchmark#person}), so both sides carry the same data.
 * CPU over the window is the Connect JVM's and the broker's, from {@code /proc/PID/stat}; an
 * exactly-once spot check then requires {@code total-records} to equal W + N and not to grow over
 * three more commit intervals (a clean run only, not a test under failures).
 *
 * <p>Settings: {@code tasks.max=1}, commits every 1000 ms (timeout 2000 ms), worker {@code
 * offset.flush.interval.ms=1000} (an idle sink task blocks in {@code poll()} until the next flush,
 * and the sink answers a commit request only from there), {@code consumer.max.poll.records=500}
 * (Connect's default), table auto-created with all columns inferred, the worker JVM flags that
 * {@code connect-standalone.sh} ships. The child JVM is stopped whatever happens.
 */
final class IcebergSinkPeer {
  /** The system property naming the classpath file directly. */
  static final String PROPERTY = "ingraft.peer.classpath-file";

  static final String FILE = "iceberg-peer.classpath";
  private static final String MODULE = "it/iceberg-peer";
  private static final String CONNECTOR = "iceberg-sink";
  private static final String TOPIC = "peer-people";
  private static final String CONTROL_TOPIC = "peer-control";
  private static final int COMMIT_MS = 1000;
  private static final int COMMIT_TIMEOUT_MS = 2000;
  private static final int MAX_POLL_RECORDS = 500;

  /** What {@code connect-standalone.sh} gives the worker JVM. */
  static final List<String> JVM =
      List.of(
          "-Xms256M",
          "-Xmx2G",
          "-server",
          "-XX:+UseG1GC",
          "-XX:MaxGCPauseMillis=20",
          "-XX:InitiatingHeapOccupancyPercent=35",
          "-XX:+ExplicitGCInvokesConcurrent",
          "-XX:MaxInlineLevel=15",
          "-Djava.awt.headless=true");

  private static final String LOG4J =
      """
      status = warn
      appender.out.type = Console
      appender.out.name = OUT
      appender.out.layout.type = PatternLayout
      appender.out.layout.pattern = %d{HH:mm:ss.SSS} [%t] %p %c{1} - %m%n
      rootLogger.level = INFO
      rootLogger.appenderRef.out.ref = OUT
      logger.reflections.name = org.reflections
      logger.reflections.level = ERROR
      logger.jetty.name = org.eclipse.jetty
      logger.jetty.level = WARN
      """;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final LocalKafkaBroker broker;
  private final Map<String, Object> clientProps;
  private final Path dir;
  private final String classpath;
  private final int partitions;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /**
   * @param clientProps the Kafka client settings of the benchmark (bootstrap, security)
   * @param dir a fresh directory for the worker's files and the warehouse
   */
  IcebergSinkPeer(
      LocalKafkaBroker broker,
      Map<String, Object> clientProps,
      Path dir,
      String classpath,
      int partitions) {
    this.broker = broker;
    this.clientProps = Map.copyOf(clientProps);
    this.dir = dir.toAbsolutePath();
    this.classpath = classpath;
    this.partitions = partitions;
  }

  /**
   * The peer's figures over one run.
   *
   * @param events N, the rows timed
   * @param seconds resume call to the table version holding all rows
   * @param connectCpuSeconds the Connect JVM's CPU over that window
   * @param brokerCpuSeconds the broker's CPU over that window
   * @param machineCores busy cores of the whole machine over that window
   * @param commits snapshots committed in the window
   * @param firstCommitMs resume call to the first snapshot's timestamp
   * @param totalRecords the table's {@code total-records} at the end
   * @param expectedRecords W + N
   * @param grewAfter whether rows appeared after the target during three more commit intervals
   */
  record Result(
      long events,
      double seconds,
      double connectCpuSeconds,
      double brokerCpuSeconds,
      double machineCores,
      long commits,
      long firstCommitMs,
      long totalRecords,
      long expectedRecords,
      boolean grewAfter,
      String loadStart,
      String loadEnd) {

    double eventsPerSecond() {
      return events / seconds;
    }

    double connectMicrosPerEvent() {
      return connectCpuSeconds * 1e6 / events;
    }

    double brokerMicrosPerEvent() {
      return brokerCpuSeconds * 1e6 / events;
    }

    double microsPerEvent() {
      return connectMicrosPerEvent() + brokerMicrosPerEvent();
    }

    /** Cores taken by everything but the Connect JVM and the broker. */
    double otherCores() {
      return Math.max(0, machineCores - (connectCpuSeconds + brokerCpuSeconds) / seconds);
    }

    boolean exactlyOnce() {
      return totalRecords == expectedRecords && !grewAfter;
    }
  }

  /**
   * The classpath file: the one named by {@value #PROPERTY}, else {@code it/iceberg-peer/target/}
   * (or {@code iceberg-peer/target/}) in the working directory or one of its parents.
   */
  static Optional<Path> locateClasspath() {
    String named = System.getProperty(PROPERTY);
    if (named != null && !named.isBlank()) {
      return Optional.of(Path.of(named));
    }
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      for (Path module : List.of(d.resolve(MODULE), d.resolve("iceberg-peer"))) {
        Path file = module.resolve("target").resolve(FILE);
        if (Files.isRegularFile(file)) {
          return Optional.of(file);
        }
      }
    }
    return Optional.empty();
  }

  /** Reads a classpath file written by the {@code it/iceberg-peer} module. */
  static String readClasspath(Path file) {
    try {
      String cp = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (cp.isEmpty()) {
        throw new LocalProcessException("connect", "empty classpath file " + file, null);
      }
      return cp;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Warm-up, pause, preload, resume, drain: see the class comment. */
  Result run(int warmup, int events) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path table = dir.resolve("warehouse").resolve("bench").resolve("people");
    Path log4j = Files.writeString(dir.resolve("log4j2.properties"), LOG4J);
    createTopics();
    long[] next = {0};
    produce(warmup, next);
    List<String> jvm = new ArrayList<>(JVM);
    jvm.add("-Dlog4j2.configurationFile=" + log4j);
    long launch = System.nanoTime();
    try (ConnectWorker worker =
        ConnectWorker.builder(dir.resolve("connect"))
            .bootstrapServers(broker.bootstrapServers())
            .classpath(classpath)
            .schemas(false)
            .worker("key.converter", "org.apache.kafka.connect.storage.StringConverter")
            .worker("offset.flush.interval.ms", "1000")
            .worker("plugin.discovery", "service_load")
            .worker("consumer.max.poll.records", Integer.toString(MAX_POLL_RECORDS))
            .worker("consumer.auto.offset.reset", "earliest")
            .jvmOptions(jvm)
            .connector(CONNECTOR, connectorConfig())
            .start()) {
      long connectPid = worker.processHandle().pid();
      awaitRows(worker, table, warmup, Duration.ofMinutes(15));
      System.out.printf(
          "peer: Connect worker pid %d (classpath %s), warm-up of %,d rows drained %.1f s after"
              + " the JVM launch; pausing the connector%n",
          connectPid, FILE, warmup, (System.nanoTime() - launch) / 1e9);
      rest(worker, "PUT", "/pause");
      awaitTaskState(worker, "PAUSED", Duration.ofSeconds(60));
      awaitStill(table, Duration.ofMillis(2L * COMMIT_MS), Duration.ofSeconds(60));
      produce(events, next);
      long target = (long) warmup + events;

      long[] machine0 = ResourceMeters.machineTicks();
      long connect0 = ResourceMeters.processTicks(connectPid);
      long broker0 = ResourceMeters.processTicks(broker.pid());
      String load0 = ResourceMeters.loadAverage();
      long startMs = System.currentTimeMillis();
      rest(worker, "PUT", "/resume");
      IcebergTableVersion done = awaitRows(worker, table, target, Duration.ofMinutes(15));
      long[] machine1 = ResourceMeters.machineTicks();
      double connectCpu =
          (ResourceMeters.processTicks(connectPid) - connect0) / ResourceMeters.TICKS_PER_SECOND;
      double brokerCpu =
          (ResourceMeters.processTicks(broker.pid()) - broker0) / ResourceMeters.TICKS_PER_SECOND;
      String load1 = ResourceMeters.loadAverage();
      long total = machine1[1] - machine0[1];
      double cores =
          total <= 0
              ? Double.NaN
              : Runtime.getRuntime().availableProcessors()
                  * (double) (machine1[0] - machine0[0])
                  / total;

      // Exactly-once spot check: no row may appear after the target for three commit intervals.
      boolean grew = false;
      long until = System.nanoTime() + Duration.ofMillis(3L * COMMIT_MS).toNanos();
      long last = done.totalRecords();
      while (System.nanoTime() < until && !grew) {
        Thread.sleep(100); // poll interval
        last = IcebergTableVersion.read(table).map(IcebergTableVersion::totalRecords).orElse(last);
        grew = last > target;
      }
      double seconds = Math.max(1, done.visibleAtMs() - startMs) / 1000.0;
      long firstCommit =
          done.snapshotTimes().stream().filter(t -> t >= startMs).findFirst().orElse(startMs)
              - startMs;
      Result result =
          new Result(
              events,
              seconds,
              connectCpu,
              brokerCpu,
              cores,
              done.snapshotsSince(startMs),
              firstCommit,
              last,
              target,
              grew,
              load0,
              load1);
      System.out.printf(
          "peer: resume -> first commit %.2f s; last snapshot timestamp -> its metadata file %d"
              + " ms; total-records %,d (expected %,d), rows after the target: %s%n",
          firstCommit / 1000.0,
          done.visibleAtMs() - done.snapshotAtMs(),
          last,
          target,
          grew ? "YES" : "no");
      System.out.printf(
          "peer: CPU over the window: Connect %.1f s (%.1f us/event), broker %.1f s (%.1f"
              + " us/event); machine busy %.2f of %d cores (others %.2f); load %s -> %s%n",
          connectCpu,
          result.connectMicrosPerEvent(),
          brokerCpu,
          result.brokerMicrosPerEvent(),
          cores,
          Runtime.getRuntime().availableProcessors(),
          result.otherCores(),
          load0,
          load1);
      System.out.printf(
          "iceberg-kc N=%d events/s=%.0f wall=%.2f commits=%d%n%n",
          events, result.eventsPerSecond(), seconds, result.commits());
      return result;
    }
  }

  private Map<String, String> connectorConfig() {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("connector.class", "org.apache.iceberg.connect.IcebergSinkConnector");
    c.put("tasks.max", "1");
    c.put("topics", TOPIC);
    c.put("iceberg.tables", "bench.people");
    c.put("iceberg.tables.auto-create-enabled", "true");
    c.put("iceberg.catalog.type", "hadoop");
    c.put("iceberg.catalog.warehouse", dir.resolve("warehouse").toUri().toString());
    c.put("iceberg.control.topic", CONTROL_TOPIC);
    c.put("iceberg.control.commit.interval-ms", Integer.toString(COMMIT_MS));
    c.put("iceberg.control.commit.timeout-ms", Integer.toString(COMMIT_TIMEOUT_MS));
    c.put("iceberg.kafka.bootstrap.servers", broker.bootstrapServers());
    return c;
  }

  private void createTopics() throws InterruptedException {
    try (Admin admin = Admin.create(clientProps)) {
      for (NewTopic topic :
          List.of(
              new NewTopic(TOPIC, partitions, (short) 1),
              new NewTopic(CONTROL_TOPIC, 1, (short) 1))) {
        try {
          admin.createTopics(List.of(topic)).all().get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create " + topic.name(), e.getCause());
          }
        }
      }
    }
  }

  /**
   * Produces {@code count} rows, ids from {@code next[0]} on, round-robin over the partitions and
   * without a key, as the peer's harness does; acknowledged by all before it returns.
   */
  private void produce(int count, long[] next) {
    Map<String, Object> props = new HashMap<>(clientProps);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-peer-producer");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
    AtomicLong failures = new AtomicLong();
    long t0 = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < count; i++) {
        long id = next[0]++;
        byte[] value;
        try {
          value = JSON.writeValueAsBytes(PipelineBenchmark.person((int) id));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        producer.send(
            new ProducerRecord<>(TOPIC, (int) (id % partitions), null, value),
            (metadata, error) -> {
              if (error != null) {
                failures.incrementAndGet();
              }
            });
      }
      producer.flush();
    }
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " peer rows not delivered");
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "peer: produced %,d JSON rows in %.2f s (%,.0f rows/s)%n", count, seconds, count / seconds);
  }

  /** Polls the table every 100 ms until its current snapshot holds {@code rows} rows. */
  private static IcebergTableVersion awaitRows(
      ConnectWorker worker, Path table, long rows, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long seen = 0;
    while (true) {
      Optional<IcebergTableVersion> version = IcebergTableVersion.read(table);
      if (version.isPresent()) {
        if (version.get().totalRecords() >= rows) {
          return version.get();
        }
        seen = version.get().totalRecords();
      }
      if (!worker.isAlive() || System.nanoTime() > deadline) {
        throw new LocalProcessException(
            "connect",
            String.format(
                "the Iceberg table holds %,d rows, not %,d (worker alive: %s); log tail:%n%s",
                seen, rows, worker.isAlive(), worker.logTail()),
            worker.logFile());
      }
      Thread.sleep(100); // poll interval
    }
  }

  /**
   * Waits until the table's version has not changed for {@code quiet}: a commit the coordinator had
   * in flight when the task paused lands before the preload, not inside the window.
   */
  private static void awaitStill(Path table, Duration quiet, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int version = IcebergTableVersion.read(table).map(IcebergTableVersion::version).orElse(-1);
    long since = System.nanoTime();
    while (System.nanoTime() - since < quiet.toNanos() && System.nanoTime() < deadline) {
      Thread.sleep(100); // poll interval
      int now = IcebergTableVersion.read(table).map(IcebergTableVersion::version).orElse(-1);
      if (now != version) {
        version = now;
        since = System.nanoTime();
      }
    }
  }

  private static void awaitTaskState(ConnectWorker worker, String state, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      last = worker.status().path("tasks").path(0).path("state").asText();
      if (state.equals(last)) {
        return;
      }
      Thread.sleep(100); // poll interval
    }
    throw new LocalProcessException(
        "connect", "the sink task is " + last + ", not " + state, worker.logFile());
  }

  private void rest(ConnectWorker worker, String method, String path) throws InterruptedException {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(worker.restUri().resolve("connectors/" + CONNECTOR + path))
                  .timeout(Duration.ofSeconds(30))
                  .method(method, HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() / 100 != 2) {
        throw new LocalProcessException(
            "connect",
            method + " " + path + ": HTTP " + response.statusCode() + " " + response.body(),
            worker.logFile());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
