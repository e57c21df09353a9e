package io.ingraft.it.bench;

import io.ingraft.app.IngestPipeline;
import io.ingraft.app.cli.CdcShop;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.kafka.LocalKafkaBroker;
import io.ingraft.app.local.ConnectWorker;
import io.ingraft.app.local.LocalPostgres;
import io.ingraft.app.local.Psql;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.it.bench.ResourceMeters.CpuReading;
import io.ingraft.it.bench.ResourceMeters.CpuUse;
import io.ingraft.it.bench.ResourceMeters.HeapPeak;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.CdcPosition;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.LocalObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Change data capture from PostgreSQL to published graph versions: a private PostgreSQL, the
 * Debezium PostgreSQL connector on a Connect worker (child JVM), a local broker (child JVM) and
 * Ingraft's pipeline in this JVM with the shop's CDC mapping. Measures, from the database's commit
 * time ({@code source.ts_ms}, carried into each version's CDC position) to the publish of the
 * version that reflects it (the manifest's time):
 *
 * <ol>
 *   <li>the initial snapshot ({@code op = r}) of {@code rows} products, as events per second;
 *   <li>one transaction updating all {@code rows} products: events per second from its commit to
 *       its version;
 *   <li>a stream of {@code small} small transactions (a customer, an order, two items: four events
 *       each), paced at {@code rate} transactions per second, then the same unpaced: events per
 *       second from the first commit to the last publish, and the freshness of each version
 *       (publish time minus source commit time), p50 and p99.
 * </ol>
 *
 * <p>The pipeline runs before the connector starts, so its own start is in none of the times. Each
 * time is split where Debezium's part ends (its output on Kafka), and for the small transactions
 * where stage 1's ends (the transaction's last event in the graph log); a stack sampler shows where
 * stage 1's stream thread, and for the small transactions stage 2's workers, spend each part's wall
 * time.
 *
 * <p>Usage: {@code mvn -pl it exec:exec@cdc-bench [-Dbench.args="<rows> <small> <rate> [key=value
 * ...]"]} (defaults 100000 2000 200; {@code key=value}: pipeline settings, for example {@code
 * ingraft.cdc.single-partition=true}). Needs PostgreSQL ({@code apt-get install postgresql}) and
 * the Debezium worker classpath (built by the reactor, {@code it/debezium-worker}).
 */
public final class CdcBenchmark {
  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  private static final String SOURCE = "bench";

  /** The graph log: the default name, which {@link #config} keeps. */
  private static final String GRAPH_LOG = "ingraft.graph-log";

  private final Path root;
  private final Psql psql;
  private final ManifestLog log;
  private final String bootstrap;
  private final long brokerPid;
  private final HeapPeak heap = new HeapPeak();
  private final RunTable table = new RunTable(List.of());

  private CdcBenchmark(Path root, Psql psql, ManifestLog log, String bootstrap, long brokerPid) {
    this.root = root;
    this.psql = psql;
    this.log = log;
    this.bootstrap = bootstrap;
    this.brokerPid = brokerPid;
  }

  public static void main(String[] rawArgs) throws Exception {
    String[] args = BenchArguments.words(rawArgs);
    // key=value arguments are pipeline settings on top of the benchmark's.
    Map<String, String> overrides = new HashMap<>();
    List<String> positional = new ArrayList<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq > 0) {
        overrides.put(a.substring(0, eq), a.substring(eq + 1));
      } else {
        positional.add(a);
      }
    }
    int rows = positional.size() > 0 ? Integer.parseInt(positional.get(0)) : 100_000;
    int small = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 2_000;
    int rate = positional.size() > 2 ? Integer.parseInt(positional.get(2)) : 200;
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Files.createDirectories(tmp);
    Path root = Files.createTempDirectory(tmp, "cdc-bench-");
    // PostgreSQL runs as the postgres OS user when this is root: it must reach its directory.
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    System.out.printf(
        "Ingraft CDC benchmark: PostgreSQL -> Debezium 3.6.1 (Connect 4.1.1) -> Kafka"
            + " -> Ingraft; %,d-row snapshot and update, %,d small transactions at %d/s;"
            + " %d cores, load average %s%n",
        rows,
        small,
        rate,
        Runtime.getRuntime().availableProcessors(),
        ResourceMeters.loadAverage());
    if (!overrides.isEmpty()) {
      System.out.printf("settings on top of the benchmark's: %s%n", new TreeMap<>(overrides));
    }
    System.out.printf("work directory %s (deleted at the end)%n%n", root);
    try (LocalKafkaBroker broker =
            LocalKafkaBroker.builder(root.resolve("broker")).partitions(3).start();
        LocalPostgres pg = LocalPostgres.builder(root.resolve("postgres")).start()) {
      Psql psql = pg.psql();
      psql.execute(
          CdcShop.DDL
              + "INSERT INTO customers VALUES (1, 'first', NULL);\n"
              + "INSERT INTO products SELECT g, 'product-' || g, 1 + g % 50"
              + " FROM generate_series(1, "
              + rows
              + ") g;\n");
      String source = SOURCE;
      Path mapping = root.resolve("shop-cdc-mapping.json");
      Files.writeString(mapping, CdcShop.mappingJson(source), StandardCharsets.UTF_8);
      LocalObjectStore store = new LocalObjectStore(root.resolve("graphs"));
      CdcBenchmark bench =
          new CdcBenchmark(
              root,
              psql,
              new ManifestLog(store, GraphId.of(CdcShop.GRAPH)),
              broker.bootstrapServers(),
              broker.pid());
      Map<String, String> connector = ConnectWorker.debeziumPostgres(pg, source, "ingraft", 3);
      // The pipeline first, running before the connector starts: its own start (topics, the
      // Streams rebalance) stays out of the snapshot's time.
      try (IngestPipeline pipeline = new IngestPipeline(bench.config(broker, mapping, overrides))) {
        pipeline.start();
        awaitStreamsRunning(pipeline);
        bench.stampOnAppend();
        try (ConnectWorker worker =
            ConnectWorker.builder(root.resolve("connect"))
                .bootstrapServers(broker.bootstrapServers())
                .connector("shop-source", connector)
                .start()) {
          long connectorRunning = System.currentTimeMillis();
          System.out.printf("connector running in %.1f s%n", worker.startupTime().toMillis() / 1e3);
          try (StackSampler stage1 = streamThreadSampler()) {
            bench.snapshot(rows, connectorRunning);
            System.out.printf("  %s%n", stage1.report());
          }
          try (StackSampler stage1 = streamThreadSampler()) {
            bench.bigUpdate(rows);
            System.out.printf("  %s%n", stage1.report());
          }
          try (StackSampler stage1 = streamThreadSampler();
              StackSampler stage2 = PipelineBenchmark.workerProfiler()) {
            bench.smallTransactions(small, rate, 2);
            System.out.printf("  %s%n  %s%n", stage1.report(), stage2.report());
          }
          try (StackSampler stage1 = streamThreadSampler();
              StackSampler stage2 = PipelineBenchmark.workerProfiler()) {
            bench.smallTransactions(small, 0, 1_000_000);
            System.out.printf("  %s%n  %s%n", stage1.report(), stage2.report());
          }
          System.out.printf(
              "%nThe small transactions' stream (%d cores; events = change events; freshness per"
                  + " version; CPU per event of this JVM and the broker, the Connect worker and"
                  + " PostgreSQL are other processes):%n",
              Runtime.getRuntime().availableProcessors());
          bench.table.print();
        }
      } finally {
        bench.heap.close();
        store.close();
      }
    } finally {
      WorkDirectory.delete(root);
    }
  }

  /**
   * Sets the source's topics (created by the pipeline) to take the broker's append time as each
   * record's timestamp, so that "on Kafka" below is when the record reached the broker, not when
   * Debezium made it (it waits in Debezium's queue and Connect's producer before that).
   */
  private void stampOnAppend() throws Exception {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
      for (String topic : admin.listTopics().names().get()) {
        if (topic.startsWith(SOURCE + ".")) {
          changes.put(
              new ConfigResource(ConfigResource.Type.TOPIC, topic),
              List.of(
                  new AlterConfigOp(
                      new ConfigEntry(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"),
                      AlterConfigOp.OpType.SET)));
        }
      }
      admin.incrementalAlterConfigs(changes).all().get();
    }
  }

  private static void awaitStreamsRunning(IngestPipeline pipeline) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (pipeline.topologyState() != KafkaStreams.State.RUNNING) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("stage 1 not running after " + TIMEOUT);
      }
      Thread.sleep(20); // poll interval
    }
  }

  /**
   * Where stage 1's stream thread spends its wall time (20 ms stack samples): the CDC steps, the
   * assembler's store, the repartition's serde, Kafka.
   */
  private static StackSampler streamThreadSampler() {
    return new StackSampler(
        "stage 1 stream thread",
        n -> n.matches(".*-StreamThread-\\d+"),
        List.of(
            new StackSampler.Rule(
                "EOS commit",
                "org.apache.kafka.streams.processor.internals.TaskManager#commit",
                "org.apache.kafka.streams.processor.internals.TaskExecutor#commit"),
            new StackSampler.Rule("CDC item serde (JSON)", "io.ingraft.app.cdc.CdcItem$JsonSerde"),
            new StackSampler.Rule("RocksDB", "org.rocksdb"),
            new StackSampler.Rule("Debezium decode", "io.ingraft.app.cdc.DebeziumDecoder"),
            new StackSampler.Rule("log records (Avro)", "io.ingraft.app.cdc.CdcLogRecords"),
            new StackSampler.Rule(
                "producer send", "org.apache.kafka.clients.producer.KafkaProducer#send"),
            new StackSampler.Rule("assembler other", "io.ingraft.app.cdc.CdcAssembler"),
            new StackSampler.Rule("decode step other", "io.ingraft.app.cdc.CdcDecodeProcessor"),
            new StackSampler.Rule("consumer poll", "org.apache.kafka.clients.consumer"),
            new StackSampler.Rule("streams other", "org.apache.kafka.streams")),
        20);
  }

  private IngraftConfig config(
      LocalKafkaBroker broker, Path mapping, Map<String, String> overrides) {
    Map<String, String> s = new HashMap<>();
    s.put(IngraftConfig.BOOTSTRAP, broker.bootstrapServers());
    s.put("storage.root", root.resolve("graphs").toString());
    s.put("ingraft.topic.partitions", "3");
    s.put("ingraft.state-dir", root.resolve("streams").toString());
    s.put("ingraft.writer.id", "cdc-bench");
    s.put("ingraft.cdc.mapping", mapping.toString());
    s.putAll(overrides);
    return IngraftConfig.fromMap(s);
  }

  private void snapshot(int rows, long connectorRunning) throws InterruptedException {
    Manifest done =
        await(
            "the snapshot's last version",
            m -> position(m).map(p -> !p.snapshotInProgress()).orElse(false));
    double seconds = (done.time().toEpochMilli() - connectorRunning) / 1e3;
    System.out.printf(
        "%nsnapshot: %,d rows (op=r), from the connector's task running to the"
            + " version that completes them, %.1f s: %,.0f events/s%n",
        rows + 1, seconds, (rows + 1) / seconds);
    double debezium = (lastSnapshotRecordOnKafka() - connectorRunning) / 1e3;
    System.out.printf(
        "  of which Debezium, task running to the snapshot's last record on Kafka: %.1f s"
            + " (%,.0f events/s); Ingraft, from there to the publish: %.2f s%n",
        debezium, (rows + 1) / debezium, seconds - debezium);
  }

  /**
   * The Kafka timestamp of the snapshot's last record ({@code source.snapshot = "last"}), in any of
   * the source's table topics.
   */
  private long lastSnapshotRecordOnKafka() {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer
          .listTopics()
          .forEach(
              (topic, infos) -> {
                if (topic.startsWith(SOURCE + ".public.")) {
                  infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
                }
              });
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.value() != null && r.value().contains("\"snapshot\":\"last\"")) {
            return r.timestamp();
          }
        }
        if (partitions.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp))) {
          break;
        }
      }
    }
    throw new IllegalStateException("no record with source.snapshot = last on " + SOURCE);
  }

  private void bigUpdate(int rows) throws InterruptedException {
    String txId =
        psql.scalar(
            "BEGIN; UPDATE products SET price = price + 1;" + " SELECT txid_current(); COMMIT;");
    Manifest version =
        await(
            "the version of transaction " + txId,
            m -> position(m).map(p -> sameTransaction(p, txId)).orElse(false));
    CdcPosition p = position(version).orElseThrow();
    double seconds = (version.time().toEpochMilli() - p.commitTimeMs()) / 1e3;
    // The version is published, so its END is on Kafka.
    Long end = endsOnKafka().get(txId);
    if (end == null) {
      throw new IllegalStateException("no END record of transaction " + txId);
    }
    double debezium = (end - p.commitTimeMs()) / 1e3;
    System.out.printf(
        "%none transaction updating %,d rows: commit to published version in"
            + " %.2f s: %,.0f events/s%n",
        rows, seconds, rows / seconds);
    System.out.printf(
        "  of which Debezium, commit to the transaction's END on Kafka: %.2f s"
            + " (%,.0f events/s); Ingraft, from there to the publish: %.2f s%n",
        debezium, rows / debezium, seconds - debezium);
  }

  /** {@code count} transactions of four events, paced at {@code rate} per second (0: unpaced). */
  private void smallTransactions(int count, int rate, long firstId) throws InterruptedException {
    long before = log.latest().map(Manifest::version).orElse(0L);
    System.gc();
    heap.reset();
    String loadStart = ResourceMeters.loadAverage();
    CpuReading cpuStart = CpuReading.now(brokerPid, name -> "all");
    StringBuilder script = new StringBuilder();
    for (int i = 0; i < count; i++) {
      long id = firstId + i;
      script
          .append("BEGIN;\nINSERT INTO customers VALUES (")
          .append(id)
          .append(", 'c-")
          .append(id)
          .append("', 1);\nINSERT INTO orders VALUES (")
          .append(id)
          .append(", ")
          .append(id)
          .append(", 3);\nINSERT INTO order_items VALUES (")
          .append(id)
          .append(", 1, 1), (")
          .append(id)
          .append(", 2, 2);\n");
      if (i == count - 1) {
        script.append("SELECT txid_current();\n");
      }
      script.append("COMMIT;\n");
      if (rate > 0) {
        script.append("SELECT pg_sleep(").append(1.0 / rate).append(");\n");
      }
    }
    List<List<String>> out = psql.query(script.toString());
    String lastTx = out.get(out.size() - 1).get(0);
    Manifest last =
        await(
            "the version of transaction " + lastTx,
            m -> position(m).map(p -> sameTransaction(p, lastTx)).orElse(false));
    List<Long> freshness = new ArrayList<>();
    Map<String, Long> ends = endsOnKafka();
    Map<String, Long> logged = loggedByStageOne();
    List<Long> debeziumPart = new ArrayList<>();
    List<Long> stageOnePart = new ArrayList<>();
    List<Long> stageTwoPart = new ArrayList<>();
    long events = 0;
    long firstCommit = Long.MAX_VALUE;
    long lastCommit = 0;
    for (long v = before + 1; v <= last.version(); v++) {
      Manifest m = log.read(v);
      if (m.commit().cdc() == null) {
        continue;
      }
      events += m.commit().eventCount();
      firstCommit = Math.min(firstCommit, m.commit().cdc().commitTimeMs());
      lastCommit = Math.max(lastCommit, m.commit().cdc().commitTimeMs());
      freshness.add((m.time().toEpochMilli() - m.commit().cdc().commitTimeMs()) * 1_000_000);
      Long end = ends.get(m.commit().cdc().txId());
      Long written = logged.get(m.commit().cdc().txId());
      if (end != null && written != null) {
        debeziumPart.add((end - m.commit().cdc().commitTimeMs()) * 1_000_000);
        stageOnePart.add((written - end) * 1_000_000);
        stageTwoPart.add((m.time().toEpochMilli() - written) * 1_000_000);
      }
    }
    CpuUse cpu = CpuReading.now(brokerPid, name -> "all").since(cpuStart);
    String loadEnd = ResourceMeters.loadAverage();
    double seconds = (last.time().toEpochMilli() - firstCommit) / 1e3;
    Percentiles fresh =
        Percentiles.ofNanos(freshness.stream().mapToLong(Long::longValue).toArray());
    long changes = 4L * count;
    System.out.printf(
        "%n%,d small transactions (4 change events each), %s: the database committed"
            + " them in %.2f s; %,d change events (%,d graph events) in %,d versions, first commit"
            + " to last publish %.2f s: %,.0f change events/s%n",
        count,
        rate > 0 ? "paced at " + rate + "/s" : "unpaced",
        (lastCommit - firstCommit) / 1e3,
        changes,
        events,
        freshness.size(),
        seconds,
        changes / seconds);
    System.out.printf(
        "  freshness (source commit to publish): p50 %.0f ms, p99 %.0f ms," + " max %.0f ms%n",
        fresh.p50(), fresh.p99(), fresh.max());
    Percentiles debezium =
        Percentiles.ofNanos(debeziumPart.stream().mapToLong(Long::longValue).toArray());
    Percentiles stageOne =
        Percentiles.ofNanos(stageOnePart.stream().mapToLong(Long::longValue).toArray());
    Percentiles stageTwo =
        Percentiles.ofNanos(stageTwoPart.stream().mapToLong(Long::longValue).toArray());
    System.out.printf(
        "  of which, per version (p50 / p99): Debezium, commit to the END on Kafka %.0f / %.0f ms;"
            + " stage 1, to its last event written %.0f / %.0f ms; stage 1's commit and stage 2,"
            + " to the publish %.0f / %.0f ms%n",
        debezium.p50(),
        debezium.p99(),
        stageOne.p50(),
        stageOne.p99(),
        stageTwo.p50(),
        stageTwo.p99());
    System.out.printf("  %s%n", cpu.summary());
    table.add(
        new RunTable.Row(
            rate > 0 ? "paced" : "unpaced",
            rate > 0 ? String.format("%,d", 4 * rate) : "max",
            changes / seconds,
            null,
            fresh,
            freshness.size() / seconds,
            (double) changes / Math.max(1, freshness.size()),
            heap.peakBytes(),
            loadStart,
            loadEnd,
            cpu.microsPerEvent(changes)));
  }

  /**
   * The Kafka timestamps of the END records on the transaction topic, by their transaction id as a
   * version's CDC position names it ({@code txId:lsn}).
   */
  private Map<String, Long> endsOnKafka() {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    TopicPartition partition = new TopicPartition(SOURCE + ".transaction", 0);
    Map<String, Long> ends = new HashMap<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (consumer.position(partition) < end && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.value() == null || !r.value().contains("\"END\"")) {
            continue;
          }
          int at = r.value().indexOf("\"id\":\"");
          if (at >= 0) {
            int from = at + 6;
            String id = r.value().substring(from, r.value().indexOf('"', from));
            int colon = id.indexOf(':');
            ends.put(colon < 0 ? id : id.substring(0, colon), r.timestamp());
          }
        }
      }
    }
    return ends;
  }

  /**
   * When stage 1 wrote each source transaction's last event to the graph log (the record's
   * timestamp, stage 1's clock when it forwarded it), by transaction id.
   */
  private Map<String, Long> loggedByStageOne() {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    GraphLogCodec codec = new GraphLogCodec();
    Map<String, Long> written = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(GRAPH_LOG).stream()
              .map(i -> new TopicPartition(GRAPH_LOG, i.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))
          && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (codec.decode(r.value()).getEntry() instanceof LoggedEvent event
              && event.getCdc() != null) {
            written.merge(event.getCdc().getTxId(), r.timestamp(), Math::max);
          }
        }
      }
    }
    return written;
  }

  private static boolean sameTransaction(CdcPosition position, String txId) {
    return position.txId() != null
        && (position.txId().equals(txId) || position.txId().startsWith(txId + ":"));
  }

  private Optional<CdcPosition> position(Manifest manifest) {
    return log.cdcPosition(manifest);
  }

  /** Polls the newest version until {@code done} holds for it; fails after the timeout. */
  private Manifest await(String what, Predicate<Manifest> done) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      Optional<Manifest> latest = log.latest();
      if (latest.isPresent() && done.test(latest.get())) {
        // The first version for which it holds, not a later one.
        Manifest first = latest.get();
        while (first.version() > 1 && done.test(log.read(first.version() - 1))) {
          first = log.read(first.version() - 1);
        }
        return first;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + TIMEOUT + " waiting for " + what);
      }
      Thread.sleep(20); // poll interval
    }
  }
}
