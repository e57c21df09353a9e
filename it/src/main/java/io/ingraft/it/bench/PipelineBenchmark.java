package io.ingraft.it.bench;

import io.ingraft.app.IngestPipeline;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.kafka.LocalKafkaBroker;
import io.ingraft.app.topology.IngestTopology;
import io.ingraft.app.writer.WriterStats;
import io.ingraft.engine.BatchResult;
import io.ingraft.engine.EventResult;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.schema.GraphSchema;
import io.ingraft.engine.schema.SchemaCatalog;
import io.ingraft.events.CommitNoticeCodec;
import io.ingraft.events.EventFormat;
import io.ingraft.events.GraphEventCodec;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.CommitNotice;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.Seal;
import io.ingraft.it.bench.ResourceMeters.CpuReading;
import io.ingraft.it.bench.ResourceMeters.CpuUse;
import io.ingraft.it.bench.ResourceMeters.HeapPeak;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.StorageConfig;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.ArrowRows;
import io.ingraft.storage.table.StagedWrite;
import io.ingraft.storage.table.TableStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The end-to-end benchmark (prints figures; never a timed test): a local broker (child JVM), both
 * pipeline stages over a local storage root, and a producer of Avro single-object encoded
 * node-upsert and edge-insert events over many graphs.
 *
 * <ul>
 *   <li>Preload run: N events (default 1,000,000) written to the mutations topic while stage 1 is
 *       paused ({@link IngestPipeline#pauseTopology()}), so the backlog is complete before the
 *       first consume; then stage 1 resumes and events/s run from the first consume (stage 1's
 *       first output: its repartition topic or, keyed by graph, the graph log starts to grow) to
 *       the last publish (the latest {@code publishedAt} of the run's commit notices). A million
 *       events make a window of about ten seconds, so filling and draining the pipeline (a seal
 *       linger at each end) weighs little.
 *   <li>In the same JVM: the raw Lance staged-write ceiling for the same rows (build + stage +
 *       commit through {@link TableStore}, as {@code EngineBenchmark} does) and the raw consume
 *       rate of the same source records (a plain {@link KafkaConsumer}, byte arrays).
 *   <li>Steady run: an offered load (default 50,000 events/s for 20 s) from a rate-limited
 *       producer; freshness per event (its timestamp to the publish of the version that applied it,
 *       matched through the commit notices' counts, per graph in order), achieved events/s, batches
 *       per second, mean batch size.
 * </ul>
 *
 * <p>Also printed, to see where time goes: a per-second timeline of both stages, seal reasons and
 * sizes read back from the graph log, CPU per thread group, and the engine's own apply time for
 * batches of the sizes the pipeline formed.
 *
 * <p>Run: {@code mvn -B -q -DskipTests install && mvn -B -q -pl it exec:exec@pipeline-bench}.
 * Arguments ({@code -Dbench.args="..."}): {@code [events] [steadyRate] [steadySeconds] [graphs]}
 * (defaults 1000000 50000 20 20), then any {@code key=value}: pipeline settings ({@code ingraft.*},
 * {@code kafka.*}) override the benchmark's (stage 1 keyed by graph, linger 500 ms, max-events
 * 50,000, 4 partitions), and {@code warmup=N} (events applied before the preload run, default
 * 2,000,000, about 35 s: on two cores the JIT still compiles for minutes, and a service runs warm),
 * {@code peer=true|false} (the {@link IcebergSinkPeer} on the same broker after the steady run,
 * then {@link PeerComparison}'s table; by default when {@code mvn -Ppeer} wrote its classpath),
 * {@code broker.jvm=opt,opt,...} (the broker child's JVM options) and {@code producer.linger-ms=N}
 * (the benchmark producer's {@code linger.ms}, default 5 as in Kafka's clients) tune the harness;
 * {@code workload=append|update-heavy|many-graphs} picks the events ({@link Workload}; append by
 * default) and {@code nodes=N} the update-heavy graphs' Persons in all (default 5,000,000).
 */
public final class PipelineBenchmark {
  private static final String SCHEMA = EngineBenchmark.SCHEMA;
  private static final String APP_ID = "ingraft-ingest";
  private static final long FRESHNESS_WINDOW_MS = 5_000;

  private final Options options;
  private final Path root;
  private final HeapPeak heap = new HeapPeak();
  private final Workload workload;
  private LocalKafkaBroker broker;
  private IngraftConfig config;
  private Admin admin;
  private IngestPipeline pipeline;
  private KafkaProducer<byte[], byte[]> producer;
  private NoticeCollector notices;
  private final AtomicLong sendFailures = new AtomicLong();
  private final GraphEventCodec codec = new GraphEventCodec();

  private PipelineBenchmark(Options options, Path root) {
    this.options = options;
    this.root = root;
    this.workload = Workload.named(options.workload, options.graphs, options.nodes);
  }

  /** The benchmark's parameters, from the command line. */
  record Options(
      int events,
      int steadyRate,
      int steadySeconds,
      int graphs,
      int warmup,
      String peer,
      boolean profile,
      String workload,
      long nodes,
      List<String> brokerJvm,
      int producerLingerMs,
      Map<String, String> overrides,
      List<String> args) {

    static Options parse(String[] args) {
      List<Integer> numbers = new ArrayList<>();
      Map<String, String> overrides = new TreeMap<>();
      int warmup = 2_000_000;
      String peer = "auto";
      boolean profile = true;
      String workload = "append";
      long nodes = 5_000_000;
      List<String> brokerJvm = null;
      int producerLingerMs = 5;
      for (String arg : args) {
        int eq = arg.indexOf('=');
        if (eq < 0) {
          numbers.add(Integer.parseInt(arg.replace("_", "")));
        } else if (arg.startsWith("warmup=")) {
          warmup = Integer.parseInt(arg.substring(eq + 1));
        } else if (arg.startsWith("peer=")) {
          peer = arg.substring(eq + 1);
          if (!List.of("auto", "true", "false").contains(peer)) {
            throw new IllegalArgumentException("peer=auto|true|false, not " + arg);
          }
        } else if (arg.startsWith("profile=")) {
          String value = arg.substring(eq + 1);
          if (!List.of("true", "false").contains(value)) {
            throw new IllegalArgumentException("profile=true|false, not " + arg);
          }
          profile = value.equals("true");
        } else if (arg.startsWith("workload=")) {
          workload = arg.substring(eq + 1);
        } else if (arg.startsWith("nodes=")) {
          nodes = Long.parseLong(arg.substring(eq + 1).replace("_", ""));
        } else if (arg.startsWith("broker.jvm=")) {
          brokerJvm = List.of(arg.substring(eq + 1).split(","));
        } else if (arg.startsWith("producer.linger-ms=")) {
          producerLingerMs = Integer.parseInt(arg.substring(eq + 1));
        } else {
          overrides.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
      }
      return new Options(
          numbers.size() > 0 ? numbers.get(0) : 1_000_000,
          numbers.size() > 1 ? numbers.get(1) : 50_000,
          numbers.size() > 2 ? numbers.get(2) : 20,
          numbers.size() > 3
              ? numbers.get(3)
              : workload.equals("many-graphs") ? ManyGraphsWorkload.DEFAULT_GRAPHS : 20,
          warmup,
          peer,
          profile,
          workload,
          nodes,
          brokerJvm,
          producerLingerMs,
          overrides,
          List.of(args));
    }
  }

  public static void main(String[] rawArgs) throws Exception {
    String[] args = BenchArguments.words(rawArgs);
    Options options = Options.parse(args);
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Files.createDirectories(tmp);
    Path root = Files.createTempDirectory(tmp, "pipeline-bench-");
    System.out.printf(
        "Ingraft pipeline benchmark, workload %s: %,d preload events over %d graphs, steady %,d"
            + " events/s for %d s; %d cores, max heap %d MB, load average %s%n",
        options.workload,
        options.events,
        options.graphs,
        options.steadyRate,
        options.steadySeconds,
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20,
        ResourceMeters.loadAverage());
    System.out.printf("work directory %s (deleted at the end)%n%n", root);
    PipelineBenchmark bench = new PipelineBenchmark(options, root);
    try {
      bench.run();
    } finally {
      bench.close();
      WorkDirectory.delete(root);
    }
  }

  // -----------------------------------------------------------------------------------------------
  // The run

  private void run() throws Exception {
    // 1. The Lance ceiling first: it needs no broker, and nothing of ours runs yet.
    Ceiling ceiling = ceiling(root.resolve("ceiling"), options.events);
    System.out.printf(
        "Lance ceiling: raw staged append of %,d rows (%,d Person + %,d Knows, the"
            + " preload's rows), build + stage + commit: %,.0f rows/s  [load %s]%n%n",
        ceiling.rows,
        ceiling.nodeRows,
        ceiling.edgeRows,
        ceiling.rowsPerSecond,
        ResourceMeters.loadAverage());

    // 2. Broker, pipeline, producer, commit-notice reader.
    LocalKafkaBroker.Builder builder =
        LocalKafkaBroker.builder(root.resolve("broker")).partitions(partitions());
    if (options.brokerJvm != null) {
      builder.jvmOptions(options.brokerJvm);
    }
    broker = builder.start();
    System.out.printf(
        "broker: pid %d at %s, ready in %.1f s%n",
        broker.pid(), broker.bootstrapServers(), broker.startupTime().toMillis() / 1000.0);
    config = IngraftConfig.fromMap(settings());
    admin = Admin.create(config.kafkaClientProps());
    pipeline = new IngestPipeline(config);
    long t0 = System.nanoTime();
    pipeline.start();
    producer =
        new KafkaProducer<>(producerProps(), new ByteArraySerializer(), new ByteArraySerializer());
    notices = new NoticeCollector(config);
    notices.start();
    System.out.printf("pipeline started in %.1f s%n", (System.nanoTime() - t0) / 1e9);

    // 3. Warm-up (not measured): the graphs' schema events, then some events of each graph.
    long t1 = System.nanoTime();
    for (int g = 0; g < options.graphs; g++) {
      send(workload.schemaEvent(g), g);
    }
    long setupEvents = setup();
    workload.startPhase();
    for (int i = 0; i < options.warmup; i++) {
      int g = workload.nextGraph();
      long now = System.currentTimeMillis();
      send(workload.next(g, now), g);
    }
    producer.flush();
    awaitApplied(options.graphs + setupEvents + options.warmup, Duration.ofMinutes(30));
    System.out.printf(
        "warm-up: %d schema events, %d setup events and %,d events applied in %.1f s%n%n",
        options.graphs, setupEvents, options.warmup, (System.nanoTime() - t1) / 1e9);

    // 4. Preload run.
    Phase preload = preload();
    // 5. Raw consume of the same source records.
    Part consume = rawConsume(preload.sourceStart, preload.sourceEnd, options.events);
    double consumeRate = consume.perSecond();
    System.out.printf(
        "raw consume: %,d source records with a plain KafkaConsumer (byte arrays):"
            + " %,.0f records/s  [load %s]%n%n",
        options.events, consumeRate, ResourceMeters.loadAverage());
    // 6. One Kafka Streams exactly-once hop, doing nothing, over the same source records.
    Part hop = streamsPassthrough();
    double passthroughRate = hop.perSecond();
    // 7. Steady run.
    Phase steady = steady();

    WriterStats stats = pipeline.stats();
    pipeline.close();
    // 8. The peer on the same broker, once the pipeline is stopped: they never share the cores.
    IcebergSinkPeer.Result peer = peer();

    // 9. Where the writer's time goes: the engine alone on batches of the sizes seen.
    System.out.println(
        "Engine alone (no Kafka), the append mix's rows, one thread, graph pre-filled as the"
            + " append run's were:");
    for (Phase phase : List.of(preload, steady)) {
      int size = (int) Math.max(1, Math.round(phase.meanBatch()));
      double[] ms = engineApply(root.resolve("engine-" + phase.name), size);
      phase.engineMs = ms;
      System.out.printf(
          "  batches of %,6d events (the %s run's mean): apply p50 %.1f ms, min %.1f"
              + " ms -> %,.0f events/s per writer thread; CPU per batch %.1f ms (calling thread %.1f"
              + " ms, other threads %.1f ms)%n",
          size, phase.name, ms[0], ms[1], size / (ms[0] / 1000.0), ms[2], ms[3], ms[2] - ms[3]);
    }
    System.out.println();

    report(preload, steady, ceiling, consumeRate, passthroughRate, stats);
    PeerComparison.print(
        options.events, preload.achieved(), preload.cpu, ceiling.part(), consume, hop, peer);
  }

  /**
   * Runs {@link IcebergSinkPeer} when asked ({@code peer=true}) or, by default, when its classpath
   * file exists ({@code mvn -Ppeer}); {@code peer=false} skips it. A failed peer is reported and
   * leaves Ingraft's figures standing. Only the append workload has the peer's shape (new rows), so
   * the other workloads skip it unless asked.
   */
  private IcebergSinkPeer.Result peer() throws InterruptedException {
    if (options.peer.equals("false")
        || (options.peer.equals("auto") && !options.workload.equals("append"))) {
      return null;
    }
    var file = IcebergSinkPeer.locateClasspath();
    if (file.isEmpty()) {
      if (options.peer.equals("true")) {
        throw new IllegalStateException(
            "peer=true but no " + IcebergSinkPeer.FILE + ": build it with mvn -Ppeer");
      }
      System.out.println("peer: skipped (no " + IcebergSinkPeer.FILE + "; mvn -Ppeer builds it)");
      return null;
    }
    System.out.printf(
        "peer: Iceberg Kafka Connect sink, %,d warm-up rows then %,d rows on the same broker%n",
        options.warmup, options.events);
    try {
      return new IcebergSinkPeer(
              broker,
              config.kafkaClientProps(),
              root.resolve("peer"),
              IcebergSinkPeer.readClasspath(file.get()),
              partitions())
          .run(options.warmup, options.events);
    } catch (IOException | RuntimeException e) {
      System.out.println("!! peer failed: " + e);
      return null;
    }
  }

  /**
   * The workload's setup events (an update-heavy graph's loads), sent after the schema events and
   * applied before the warm-up's events; reported with their apply time, outside every window.
   *
   * @return how many were sent
   */
  private long setup() throws Exception {
    long t0 = System.nanoTime();
    long sent = 0;
    for (int g = 0; g < workload.graphs(); g++) {
      for (GraphEvent event : workload.setup(g, root)) {
        send(event, g);
        sent++;
      }
    }
    if (sent > 0) {
      producer.flush();
      awaitApplied(options.graphs + sent, Duration.ofMinutes(60));
      System.out.printf(
          "setup: %,d events (%s) written and applied in %.1f s  [load %s]%n",
          sent, workload.name(), (System.nanoTime() - t0) / 1e9, ResourceMeters.loadAverage());
    }
    return sent;
  }

  /**
   * The backlog run: stage 1 is paused while the producer writes all N events, so they are in the
   * topic before the first consume and the producer's work is outside the measured window.
   */
  private Phase preload() throws Exception {
    Phase phase = new Phase("preload", "max (backlog)", options.events);
    workload.startPhase();
    pipeline.pauseTopology();
    Map<TopicPartition, Long> before =
        endOffsets(config.topics().mutations(), IsolationLevel.READ_UNCOMMITTED);
    long t0 = System.nanoTime();
    for (int i = 0; i < options.events; i++) {
      int g = workload.nextGraph();
      long now = System.currentTimeMillis();
      send(workload.next(g, now), g);
      if (i == 0) {
        phase.firstSendMs = now;
      }
    }
    producer.flush();
    double produceSeconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "preload: producer sent %,d events in %.2f s (%,.0f events/s) while stage 1"
            + " was paused%n",
        options.events, produceSeconds, options.events / produceSeconds);
    phase.begin();
    phase.sourceStart = before;
    pipeline.resumeTopology();
    phase.await();
    phase.end();
    phase.print();
    return phase;
  }

  private Phase steady() throws Exception {
    long total = (long) options.steadyRate * options.steadySeconds;
    Phase phase = new Phase("steady", String.format("%,d", options.steadyRate), total);
    workload.startPhase();
    phase.begin();
    long start = System.nanoTime();
    phase.firstSendMs = System.currentTimeMillis();
    long sent = 0;
    while (sent < total) {
      long due =
          Math.min(total, (long) ((System.nanoTime() - start) / 1e9 * options.steadyRate) + 1);
      if (sent >= due) {
        LockSupport.parkNanos(200_000);
        continue;
      }
      while (sent < due) {
        int g = workload.nextGraph();
        long now = System.currentTimeMillis();
        send(workload.next(g, now), g);
        sent++;
      }
    }
    producer.flush();
    double seconds = (System.nanoTime() - start) / 1e9;
    phase.await();
    phase.end();
    System.out.printf(
        "steady: producer sent %,d events in %.2f s (offered %,.0f events/s)%n",
        total, seconds, total / seconds);
    phase.print();
    return phase;
  }

  // -----------------------------------------------------------------------------------------------
  // One measured run

  /** A measured run: what was sent, what the pipeline did, how the machine was used. */
  private final class Phase {
    final String name;
    final String offered;
    final long events;
    Map<TopicPartition, Long> sourceStart;
    Map<TopicPartition, Long> sourceEnd;
    Map<TopicPartition, Long> graphLogStart;
    Map<String, Long> baseVersions;
    WriterStats statsBefore;
    WriterStats statsAfter;
    CpuReading cpuStart;
    CpuUse cpu;
    String loadStart;
    String loadEnd;
    long firstSendMs;
    volatile long firstConsumeMs;
    long lastPublishMs;
    long peakHeap;
    List<CommitNotice> phaseNotices = List.of();
    Percentiles eventFreshness;
    Percentiles batchFreshness;
    List<Percentiles> freshnessByWindow = List.of();
    long matched;
    final List<long[]> samples = new CopyOnWriteArrayList<>();
    private Thread sampler;
    private volatile boolean sampling;
    long repartitionBase;
    long graphLogBase;
    Map<String, int[]> seals;
    int[] sealSizes;
    List<StackSampler> profilers = new ArrayList<>();
    List<String> profiles = new ArrayList<>();
    long[] jvmStart;
    long[] jvmDelta;
    double[] engineMs;

    Phase(String name, String offered, long events) {
      this.name = name;
      this.offered = offered;
      this.events = events;
    }

    void begin() throws Exception {
      sourceStart = endOffsets(config.topics().mutations(), IsolationLevel.READ_UNCOMMITTED);
      graphLogStart = endOffsets(config.topics().graphLog(), IsolationLevel.READ_COMMITTED);
      repartitionBase = sum(endOffsets(stageOneProgressTopic(), IsolationLevel.READ_UNCOMMITTED));
      graphLogBase = sum(graphLogStart);
      baseVersions = notices.latestVersions();
      statsBefore = pipeline.stats();
      System.gc();
      heap.reset();
      loadStart = ResourceMeters.loadAverage();
      cpuStart = CpuReading.now(broker.pid(), PipelineBenchmark::threadGroup);
      jvmStart = jvmCounters();
      // The stack samplers stop every thread at a safepoint for each sample: profile=false
      // measures without them.
      profilers = options.profile ? startProfilers() : new ArrayList<>();
      sampling = true;
      sampler = new Thread(this::sample, "bench-sampler");
      sampler.setDaemon(true);
      sampler.start();
    }

    /** Every 10 ms until the first consume, then every 100 ms: both stages' progress. */
    private void sample() {
      try {
        while (sampling) {
          long rep = sum(endOffsets(stageOneProgressTopic(), IsolationLevel.READ_UNCOMMITTED));
          long now = System.currentTimeMillis();
          if (firstConsumeMs == 0) {
            if (rep > repartitionBase) {
              firstConsumeMs = now;
            } else {
              Thread.sleep(10);
              continue;
            }
          }
          long log = sum(endOffsets(config.topics().graphLog(), IsolationLevel.READ_COMMITTED));
          WriterStats s = pipeline.stats();
          samples.add(
              new long[] {
                now,
                rep - repartitionBase,
                log - graphLogBase,
                s.recordsRead() - statsBefore.recordsRead(),
                s.eventsApplied() - statsBefore.eventsApplied(),
                s.heldEvents(),
                s.batches() - statsBefore.batches()
              });
          Thread.sleep(100);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        System.out.println("sampler stopped: " + e);
      }
    }

    /** Waits until commit notices account for every event of the run. */
    void await() throws Exception {
      long deadline =
          System.nanoTime() + Duration.ofSeconds(Math.max(300, events / 1000)).toNanos();
      while (true) {
        List<CommitNotice> mine = notices.after(baseVersions);
        long covered =
            mine.stream().mapToLong(n -> n.getApplied() + n.getRejected() + n.getSkipped()).sum();
        if (covered >= events) {
          phaseNotices = mine;
          break;
        }
        if (System.nanoTime() > deadline || !pipeline.isRunning()) {
          phaseNotices = mine;
          System.out.printf(
              "!! %s run incomplete: %,d of %,d events published (pipeline running:" + " %s)%n",
              name, covered, events, pipeline.isRunning());
          break;
        }
        Thread.sleep(5);
      }
    }

    void end() throws Exception {
      cpu = CpuReading.now(broker.pid(), PipelineBenchmark::threadGroup).since(cpuStart);
      long[] jvmEnd = jvmCounters();
      jvmDelta = new long[jvmEnd.length];
      for (int i = 0; i < jvmEnd.length; i++) {
        jvmDelta[i] = jvmEnd[i] - jvmStart[i];
      }
      for (StackSampler profiler : profilers) {
        profiler.close();
        profiles.add(profiler.report());
      }
      peakHeap = heap.peakBytes();
      loadEnd = ResourceMeters.loadAverage();
      statsAfter = pipeline.stats();
      Thread.sleep(300); // a last few samples after the end
      sampling = false;
      sampler.join();
      sourceEnd = endOffsets(config.topics().mutations(), IsolationLevel.READ_UNCOMMITTED);
      lastPublishMs = phaseNotices.stream().mapToLong(CommitNotice::getPublishedAt).max().orElse(0);
      if (firstConsumeMs == 0) {
        firstConsumeMs = firstSendMs;
      }
      matchFreshness();
      readSeals();
    }

    /**
     * Each event's freshness: its timestamp to the publish time of the version that applied it. A
     * graph's events are applied in the order they were sent, so walking its notices in version
     * order, each notice takes the next {@code applied + rejected + skipped} events.
     */
    private void matchFreshness() {
      Map<String, List<CommitNotice>> byGraph = new HashMap<>();
      for (CommitNotice n : phaseNotices) {
        byGraph.computeIfAbsent(n.getGraph(), k -> new ArrayList<>()).add(n);
      }
      long[] fresh = new long[(int) events];
      long[] sentAt = new long[(int) events];
      int count = 0;
      for (int g = 0; g < workload.graphs(); g++) {
        LongList stamps = workload.stamps(g);
        List<CommitNotice> list = byGraph.getOrDefault(workload.graphId(g), List.of());
        list.sort(Comparator.comparingLong(CommitNotice::getManifestVersion));
        int next = 0;
        for (CommitNotice n : list) {
          int covered = n.getApplied() + n.getRejected() + n.getSkipped();
          for (int j = 0; j < covered && next < stamps.size; j++, next++) {
            if (count < fresh.length) {
              sentAt[count] = stamps.values[next];
              fresh[count++] = Math.max(0, n.getPublishedAt() - stamps.values[next]) * 1_000_000L;
            }
          }
        }
      }
      matched = count;
      eventFreshness = count == 0 ? null : Percentiles.ofNanos(Arrays.copyOf(fresh, count));
      freshnessByWindow = byWindow(sentAt, fresh, count);
      long[] batch =
          phaseNotices.stream()
              .filter(n -> n.getFreshnessMs() != null)
              .mapToLong(n -> n.getFreshnessMs() * 1_000_000L)
              .toArray();
      batchFreshness = batch.length == 0 ? null : Percentiles.ofNanos(batch);
    }

    /**
     * Event freshness by the {@link #FRESHNESS_WINDOW_MS} window of its send time: whether the tail
     * is spread over the run or sits in a few stretches of it.
     */
    private List<Percentiles> byWindow(long[] sentAt, long[] fresh, int count) {
      long from = firstSendMs;
      int windows = (int) Math.max(0, (lastPublishMs - from) / FRESHNESS_WINDOW_MS + 1);
      List<LongList> buckets = new ArrayList<>();
      for (int w = 0; w < windows; w++) {
        buckets.add(new LongList());
      }
      for (int i = 0; i < count; i++) {
        int w = (int) ((sentAt[i] - from) / FRESHNESS_WINDOW_MS);
        if (w >= 0 && w < windows) {
          buckets.get(w).add(fresh[i]);
        }
      }
      List<Percentiles> out = new ArrayList<>();
      for (LongList bucket : buckets) {
        if (bucket.size > 0) {
          out.add(Percentiles.ofNanos(Arrays.copyOf(bucket.values, bucket.size)));
        }
      }
      return out;
    }

    /** Seal reasons and batch sizes of the run, read back from the graph log. */
    private void readSeals() {
      Map<TopicPartition, Long> end =
          endOffsets(config.topics().graphLog(), IsolationLevel.READ_COMMITTED);
      seals = new TreeMap<>();
      List<Integer> sizes = new ArrayList<>();
      GraphLogCodec codec = new GraphLogCodec();
      Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
      props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
      try (KafkaConsumer<byte[], byte[]> consumer =
          new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        consumer.assign(end.keySet());
        graphLogStart.forEach(consumer::seek);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline
            && end.entrySet().stream()
                .anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
              continue;
            }
            GraphLogRecord record = codec.decode(r.value());
            if (record.getEntry() instanceof Seal seal) {
              seals.computeIfAbsent(seal.getReason().name(), k -> new int[1])[0]++;
              sizes.add(seal.getEventCount());
            }
          }
        }
      }
      sealSizes = sizes.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    double windowSeconds() {
      long from = name.equals("steady") ? firstSendMs : firstConsumeMs;
      return Math.max(1, lastPublishMs - from) / 1000.0;
    }

    long applied() {
      return phaseNotices.stream().mapToLong(CommitNotice::getApplied).sum();
    }

    double achieved() {
      return applied() / windowSeconds();
    }

    double meanBatch() {
      return phaseNotices.isEmpty() ? 0 : (double) applied() / phaseNotices.size();
    }

    double batchesPerSecond() {
      return phaseNotices.size() / windowSeconds();
    }

    private void printFreshnessByWindow() {
      if (!name.equals("steady") || freshnessByWindow.isEmpty()) {
        return;
      }
      StringBuilder line =
          new StringBuilder(
              String.format(
                  "  event freshness p50/p99 by %d s of send time:", FRESHNESS_WINDOW_MS / 1000));
      for (Percentiles p : freshnessByWindow) {
        line.append(String.format(" %.2f/%.2f", p.p50() / 1000, p.p99() / 1000));
      }
      System.out.println(line);
    }

    void print() {
      long rejected = phaseNotices.stream().mapToLong(CommitNotice::getRejected).sum();
      long skipped = phaseNotices.stream().mapToLong(CommitNotice::getSkipped).sum();
      System.out.printf(
          "  from the first send: first consume at %+d ms, last publish at %+d ms;"
              + " measured window %.2f s (%s to last publish)%n",
          firstConsumeMs - firstSendMs,
          lastPublishMs - firstSendMs,
          windowSeconds(),
          name.equals("steady") ? "first send" : "first consume");
      System.out.printf(
          "  %,d events applied, %d rejected, %d skipped in %,d versions (writer"
              + " batches %,d); freshness matched for %,d events%n",
          applied(),
          rejected,
          skipped,
          phaseNotices.size(),
          statsAfter.batches() - statsBefore.batches(),
          matched);
      System.out.printf(
          "  load average %s at the start, %s at the end; %s%n", loadStart, loadEnd, cpu.summary());
      System.out.printf("  %s%n", cpu.threadBreakdown());
      System.out.printf("  %s%n", cpu.osThreadBreakdown());
      System.out.printf("  %s%n", cpu.perEvent(events));
      System.out.printf(
          "  JVM: JIT compile time %,d ms, %,d GCs taking %,d ms, %,d classes loaded%n",
          jvmDelta[0], jvmDelta[1], jvmDelta[2], jvmDelta[3]);
      System.out.println("  wall time by stack sample (every 20 ms):");
      profiles.forEach(p -> System.out.println("    " + p));
      if (sealSizes.length > 0) {
        StringBuilder reasons = new StringBuilder();
        seals.forEach((k, v) -> reasons.append(k).append(' ').append(v[0]).append(", "));
        System.out.printf(
            "  seals: %sevents per batch p50 %,d, p90 %,d, max %,d%n",
            reasons,
            sealSizes[sealSizes.length / 2],
            sealSizes[(int) (sealSizes.length * 0.9)],
            sealSizes[sealSizes.length - 1]);
      }
      printFreshnessByWindow();
      printTimeline();
      System.out.println();
    }

    /**
     * One line per step since the first consume: stage 1's output (events into the repartition
     * topic; the graph log's committed records, seals included), stage 2's progress.
     */
    private void printTimeline() {
      if (samples.isEmpty()) {
        return;
      }
      long span = samples.get(samples.size() - 1)[0] - firstConsumeMs;
      long step = Math.max(1000, (span / 30 / 1000 + 1) * 1000);
      System.out.printf(
          "  %7s %13s %13s %13s %13s %10s %8s%n",
          "t s", "stage1 read", "graph-log", "writer read", "applied", "held", "batches");
      long nextAt = firstConsumeMs;
      long[] prev = null;
      for (long[] s : samples) {
        if (s[0] >= nextAt || s == samples.get(samples.size() - 1)) {
          if (prev == null || s[4] != prev[4] || s[2] != prev[2] || s[1] != prev[1]) {
            System.out.printf(
                "  %7.1f %,13d %,13d %,13d %,13d %,10d %,8d%n",
                (s[0] - firstConsumeMs) / 1000.0, s[1], s[2], s[3], s[4], s[5], s[6]);
          }
          prev = s;
          nextAt += step;
          while (nextAt <= s[0]) {
            nextAt += step;
          }
        }
      }
      // When each stage was done with the run.
      long stage1Done = 0;
      long stage1Final = samples.get(samples.size() - 1)[1];
      long logFinal = samples.get(samples.size() - 1)[2];
      long logDone = 0;
      for (long[] s : samples) {
        if (stage1Done == 0 && s[1] >= stage1Final) {
          stage1Done = s[0];
        }
        if (logDone == 0 && s[2] >= logFinal) {
          logDone = s[0];
        }
      }
      System.out.printf(
          "  stage 1 read all events by +%.1f s, graph log complete (committed) by"
              + " +%.1f s, last publish at +%.1f s (from the first consume; 100 ms samples)%n",
          (stage1Done - firstConsumeMs) / 1000.0,
          (logDone - firstConsumeMs) / 1000.0,
          (lastPublishMs - firstConsumeMs) / 1000.0);
    }
  }

  /** {JIT ms, GC count, GC ms, classes loaded} so far. */
  private static long[] jvmCounters() {
    long gcCount = 0;
    long gcMillis = 0;
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcCount += Math.max(0, gc.getCollectionCount());
      gcMillis += Math.max(0, gc.getCollectionTime());
    }
    return new long[] {
      ManagementFactory.getCompilationMXBean().getTotalCompilationTime(),
      gcCount,
      gcMillis,
      ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount()
    };
  }

  private static final String FSYNC = "fsync";
  private static final String MANIFEST = "manifest publish";
  private static final String SIDECAR = "sidecar write/delete";
  private static final String TABLE_COMMIT = "Lance commit";
  private static final String IDLE = "idle (no batch)";

  /** A stack sampler of stage 2's workers, by what they do (fsync, Lance stage, commit, ...). */
  static StackSampler workerProfiler() {
    return new StackSampler(
        "stage 2 workers",
        n -> n.startsWith("ingraft-writer-worker"),
        List.of(
            // First: an fsync counts as fsync whichever write (sidecar, manifest) it ends.
            new StackSampler.Rule(
                FSYNC,
                "sun.nio.ch.FileChannelImpl#force",
                "java.nio.channels.FileChannel#force",
                "io.ingraft.storage.object.LocalObjectStore#syncDirectory"),
            new StackSampler.Rule(
                IDLE,
                "java.util.concurrent.ScheduledThreadPoolExecutor$DelayedWorkQueue#take",
                "java.util.concurrent.ThreadPoolExecutor#getTask"),
            new StackSampler.Rule(
                "await notice/DLQ acks", "io.ingraft.app.writer.BatchApplier#await"),
            // The writer holds record bytes; its workers decode them when they apply.
            new StackSampler.Rule("decode (log record)", "io.ingraft.app.writer.LogRecordDecoder"),
            new StackSampler.Rule(MANIFEST, "io.ingraft.storage.manifest.ManifestLog#publish"),
            new StackSampler.Rule(SIDECAR, "io.ingraft.recovery.SidecarStore"),
            new StackSampler.Rule(
                TABLE_COMMIT,
                "io.ingraft.storage.table.TableStore#commit",
                "io.ingraft.storage.table.TableCommitter#commit"),
            new StackSampler.Rule(
                "Lance stage",
                "io.ingraft.storage.table.TableStore#stage",
                "io.ingraft.storage.table.TableStager#stage"),
            new StackSampler.Rule(
                "Lance head/count/exists/stats",
                "io.ingraft.storage.table.TableStore#headIfExists",
                "io.ingraft.storage.table.TableStore#stats",
                "io.ingraft.storage.table.TableStore#headVersion",
                "io.ingraft.storage.table.TableStore#count",
                "io.ingraft.storage.table.TableStore#exists"),
            // What a keyed write reads: the rows it replaces (a take by row address), the
            // key index (built on first use, advanced after each publish), filter scans.
            new StackSampler.Rule(
                "Lance take by address",
                "io.ingraft.storage.table.TableStore#readRowsAt",
                "io.ingraft.storage.table.TableReader#readRowsAt"),
            new StackSampler.Rule(
                "Lance key index",
                "io.ingraft.storage.table.TableStore#keyIndex",
                "io.ingraft.storage.table.TableStore#advanceKeyIndex",
                "io.ingraft.storage.table.TableReader#keyIndex",
                "io.ingraft.storage.table.TableReader#advanceKeyIndex"),
            new StackSampler.Rule(
                "Lance scan",
                "io.ingraft.storage.table.TableStore#readRows",
                "io.ingraft.storage.table.TableStore#scan",
                "io.ingraft.storage.table.TableReader#readRows",
                "io.ingraft.storage.table.TableReader#scan"),
            new StackSampler.Rule("Lance other", "io.ingraft.storage.table.TableStore"),
            new StackSampler.Rule("manifest read", "io.ingraft.storage.manifest.ManifestLog"),
            new StackSampler.Rule("Arrow rows", "io.ingraft.storage.table.ArrowRows"),
            new StackSampler.Rule("takeover/sweep", "io.ingraft.recovery.RecoverySweep"),
            new StackSampler.Rule("engine staging (Java)", "io.ingraft.engine.write"),
            new StackSampler.Rule("engine other", "io.ingraft.engine"),
            new StackSampler.Rule("notice/DLQ build+send", "io.ingraft.app.writer.BatchApplier"),
            new StackSampler.Rule("writer other", "io.ingraft.app.writer")),
        20);
  }

  /** Stack samplers of stage 2's workers and poll thread and stage 1's stream thread. */
  private static List<StackSampler> startProfilers() {
    List<StackSampler> out = new ArrayList<>();
    out.add(workerProfiler());
    out.add(
        new StackSampler(
            "stage 1 stream thread",
            n -> n.matches(".*-StreamThread-\\d+"),
            List.of(
                new StackSampler.Rule(
                    "EOS commit: wait for commitTransaction",
                    "org.apache.kafka.clients.producer.KafkaProducer#commitTransaction",
                    "org.apache.kafka.streams.processor.internals.StreamsProducer#commitTransaction"),
                new StackSampler.Rule(
                    "EOS commit: flush, offsets, other",
                    "org.apache.kafka.streams.processor.internals.TaskManager#commit",
                    "org.apache.kafka.streams.processor.internals.TaskExecutor#commit"),
                new StackSampler.Rule(
                    "decode (Avro, rules, log record)", "io.ingraft.app.topology.DecodeProcessor"),
                new StackSampler.Rule(
                    "seal + state store", "io.ingraft.app.topology.SealingProcessor"),
                new StackSampler.Rule(
                    "producer send", "org.apache.kafka.clients.producer.KafkaProducer#send"),
                new StackSampler.Rule(
                    "punctuate",
                    "org.apache.kafka.streams.processor.internals.StreamTask#punctuate",
                    "org.apache.kafka.streams.processor.internals.TaskManager#punctuate"),
                new StackSampler.Rule("consumer poll", "org.apache.kafka.clients.consumer"),
                new StackSampler.Rule("RocksDB", "org.rocksdb"),
                new StackSampler.Rule("streams other", "org.apache.kafka.streams")),
            20));
    out.add(
        new StackSampler(
            "stage 2 poll thread",
            n -> n.equals("ingraft-writer-poll"),
            List.of(
                new StackSampler.Rule(
                    "offset commit",
                    "org.apache.kafka.clients.consumer.KafkaConsumer#commitSync",
                    "org.apache.kafka.clients.consumer.internals.ClassicKafkaConsumer#commitSync",
                    "org.apache.kafka.clients.consumer.internals.AsyncKafkaConsumer#commitSync"),
                new StackSampler.Rule("consumer poll", "org.apache.kafka.clients.consumer"),
                new StackSampler.Rule(
                    "decode + buffer", "io.ingraft.events", "io.ingraft.app.writer.EventMapper"),
                new StackSampler.Rule("writer other", "io.ingraft.app.writer")),
            20));
    return out;
  }

  // -----------------------------------------------------------------------------------------------
  // The report

  private void report(
      Phase preload,
      Phase steady,
      Ceiling ceiling,
      double consumeRate,
      double passthroughRate,
      WriterStats stats) {
    System.out.printf(
        "Ingraft pipeline benchmark, %d cores; load average at the end %s%n",
        Runtime.getRuntime().availableProcessors(), ResourceMeters.loadAverage());
    RunTable table = new RunTable(List.of("x Lance", "x consume"));
    for (Phase p : List.of(preload, steady)) {
      table.add(
          new RunTable.Row(
              p.name,
              p.offered,
              p.achieved(),
              new double[] {p.achieved() / ceiling.rowsPerSecond, p.achieved() / consumeRate},
              p.eventFreshness,
              p.batchesPerSecond(),
              p.meanBatch(),
              p.peakHeap,
              p.loadStart,
              p.loadEnd,
              p.cpu.microsPerEvent(p.events)));
    }
    table.print();
    System.out.printf(
        "%-8s Lance staged-write ceiling (same rows): %,.0f rows/s%n",
        "ceiling", ceiling.rowsPerSecond);
    System.out.printf(
        "%-8s raw consume of the same %,d source records: %,.0f records/s%n",
        "consume", options.events, consumeRate);
    System.out.printf(
        "%-8s one Kafka Streams exactly-once hop that only copies the mutations"
            + " topic (same broker and settings): %,.0f records/s%n",
        "eos hop", passthroughRate);
    System.out.printf(
        "freshness = event timestamp -> publish of the version that applied it, per"
            + " event; per batch (oldest event, the commit notice's freshnessMs): preload p50 %s p99"
            + " %s, steady p50 %s p99 %s%n",
        seconds(preload.batchFreshness, true),
        seconds(preload.batchFreshness, false),
        seconds(steady.batchFreshness, true),
        seconds(steady.batchFreshness, false));
    printPublishCost(preload, steady);
    System.out.println();
    System.out.println("Targets (as measured, not adjusted):");
    target(
        String.format("preload >= 100,000 events/s end to end: %,.0f", preload.achieved()),
        preload.achieved() >= 100_000);
    target(
        String.format(
            "preload >= 0.5 x Lance ceiling: %.2f", preload.achieved() / ceiling.rowsPerSecond),
        preload.achieved() >= 0.5 * ceiling.rowsPerSecond);
    target(
        String.format(
            "p99 freshness <= 1 s at 50,000 events/s offered: %s at %,d offered (achieved"
                + " %,.0f events/s)",
            seconds(steady.eventFreshness, false), options.steadyRate, steady.achieved()),
        options.steadyRate >= 50_000
            && steady.eventFreshness != null
            && steady.eventFreshness.p99() <= 1000);
    System.out.printf(
        "writer totals: %,d events applied, %,d rejected, %,d batches in %,d applies,"
            + " %,d retries, producer send failures %d%n",
        stats.eventsApplied(),
        stats.eventsRejected(),
        stats.batches(),
        stats.applies(),
        stats.retries(),
        sendFailures.get());
    System.out.println();
    printConfig();
  }

  /**
   * Versions per second and what one publish costs: the engine alone on a batch of the run's mean
   * size, and the writer workers' busy wall time per published version split by the stack sampler's
   * buckets (fsync first, so the sidecar and manifest figures exclude their fsyncs). With many
   * graphs every batch is small, and this fixed cost is the pipeline's rate.
   */
  private void printPublishCost(Phase... phases) {
    int threads = config.writer().threads();
    for (Phase p : phases) {
      StackSampler workers = p.profilers.isEmpty() ? null : p.profilers.get(0);
      double versions = p.phaseNotices.size();
      if (workers == null || versions == 0) {
        continue;
      }
      double busyMs = (1 - workers.share(IDLE)) * p.windowSeconds() * 1000 * threads / versions;
      double perShare = p.windowSeconds() * 1000 * threads / versions;
      double fsync = workers.share(FSYNC) * perShare;
      double sidecar = workers.share(SIDECAR) * perShare;
      double commit = workers.share(TABLE_COMMIT) * perShare;
      double manifest = workers.share(MANIFEST) * perShare;
      System.out.printf(
          "publish %-7s %,.1f versions/s (%,.0f events each); workers' busy wall time per version"
              + " %.1f ms = fsync %.1f + sidecar %.1f + table commits %.1f + manifest publish %.1f +"
              + " rest %.1f (%d worker threads)%s%n",
          p.name,
          p.batchesPerSecond(),
          p.meanBatch(),
          busyMs,
          fsync,
          sidecar,
          commit,
          manifest,
          Math.max(0, busyMs - fsync - sidecar - commit - manifest),
          threads,
          p.engineMs == null
              ? ""
              : String.format(
                  "; engine alone, batch of %,d: apply p50 %.1f ms",
                  Math.max(1, Math.round(p.meanBatch())), p.engineMs[0]));
    }
  }

  private static void target(String what, boolean met) {
    System.out.printf("  %-80s %s%n", what, met ? "MET" : "NOT MET");
  }

  private static String seconds(Percentiles p, boolean p50) {
    return RunTable.seconds(p, p50);
  }

  private void printConfig() {
    System.out.println("Command:");
    System.out.println(
        "  mvn -B -q -DskipTests install -o && mvn -B -q -o -pl it"
            + " exec:exec@pipeline-bench"
            + (options.args.isEmpty()
                ? ""
                : " -Dbench.args=\"" + String.join(" ", options.args) + "\""));
    System.out.println(
        "  = java "
            + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments())
            + " -classpath <it runtime classpath> "
            + PipelineBenchmark.class.getName()
            + " "
            + String.join(" ", options.args));
    System.out.println("Config:");
    System.out.printf(
        "  workload %s (schema below, each graph created by a schema event); Avro single-object"
            + " encoded, keyed by graph id, timestamp = send time; warm-up %,d events (same mix,"
            + " full speed) before the preload run%n",
        workload.describe(), options.warmup);
    System.out.println("  schema: " + SCHEMA.replaceAll("\\s+", " ").trim());
    System.out.printf(
        "  broker: LocalKafkaBroker child JVM %s, %d partitions per topic%n",
        options.brokerJvm != null
            ? options.brokerJvm
            : "default options (-Xmx512m, serial GC," + " C1 only)",
        partitions());
    System.out.println("  producer: " + new TreeMap<>(producerProps()));
    System.out.println("  pipeline settings (IngraftConfig.fromMap; everything else default):");
    new TreeMap<>(settings())
        .forEach(
            (k, v) -> {
              if (!k.equals(StorageConfig.ROOT)
                  && !k.equals("ingraft.state-dir")
                  && !k.equals(IngraftConfig.BOOTSTRAP)) {
                System.out.printf("    %s=%s%n", k, v);
              }
            });
    System.out.printf(
        "  pipeline in effect: seal max-events %,d, max-bytes %,d, linger %d ms;"
            + " stage 1 %s; writer threads %d, max-buffered %,d, max-batch %,d; topic partitions"
            + " %d; Streams EOS v2, commit interval 100 ms unless overridden%n",
        config.sealing().maxEvents(),
        config.sealing().maxBytes(),
        config.sealing().linger().toMillis(),
        config.stageOne().keyedByGraph() ? "keyed by graph (no repartition)" : "with repartition",
        config.writer().threads(),
        config.writer().maxBufferedEvents(),
        config.writer().maxBatchEvents(),
        config.topics().partitions());
  }

  // -----------------------------------------------------------------------------------------------
  // Settings

  private int partitions() {
    return Integer.parseInt(options.overrides.getOrDefault("ingraft.topic.partitions", "4"));
  }

  private Map<String, String> settings() {
    Map<String, String> s = new HashMap<>();
    if (broker != null) {
      s.put(IngraftConfig.BOOTSTRAP, broker.bootstrapServers());
    }
    s.put(StorageConfig.ROOT, root.resolve("graphs").toAbsolutePath().toString());
    s.put("ingraft.state-dir", root.resolve("streams").toAbsolutePath().toString());
    s.put("ingraft.topic.partitions", "4");
    s.put("ingraft.seal.max-events", "50000");
    // Half a second of linger: 20 graphs then seal at most 40 batches/s, and each apply has a
    // fixed cost (table commits, sidecar, manifest) that 200 ms of linger made dominate.
    s.put("ingraft.seal.linger-ms", "500");
    // The producer keys every event by its graph id with the default partitioner: stage 1 can
    // skip its repartition (ingraft.topology.keyed-by-graph=false measures the default mode).
    s.put(IngraftConfig.KEYED_BY_GRAPH, "true");
    s.put("ingraft.writer.id", "bench-writer");
    s.put("ingraft.application-id", APP_ID);
    s.putAll(workload.settings(root));
    s.putAll(options.overrides);
    return s;
  }

  private Map<String, Object> producerProps() {
    Map<String, Object> props = new HashMap<>();
    if (config != null) {
      props.putAll(config.kafkaClientProps());
    }
    props.remove("bootstrap.servers");
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-producer");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, options.producerLingerMs);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
    if (config != null) {
      props.put("bootstrap.servers", config.bootstrapServers());
    }
    return props;
  }

  /**
   * Where stage 1's progress shows first: its repartition topic, or with no repartition (keyed by
   * graph) the graph log itself, uncommitted (events and seals).
   */
  private String stageOneProgressTopic() {
    return config.stageOne().keyedByGraph()
        ? config.topics().graphLog()
        : config.applicationId() + "-" + IngestTopology.BY_GRAPH + "-repartition";
  }

  private static String threadGroup(String name) {
    if (name.contains("StreamThread")) {
      return "stage 1 (stream thread + its clients)";
    }
    if (name.startsWith("ingraft-writer-worker")) {
      return "stage 2 workers";
    }
    if (name.startsWith("ingraft-writer-poll") || name.contains("bench-writer-consumer")) {
      return "stage 2 poll";
    }
    if (name.contains("bench-writer-producer")) {
      return "stage 2 producer";
    }
    if (name.equals("main") || name.contains("bench-producer")) {
      return "bench producer";
    }
    if (name.startsWith("bench-")) {
      return "bench meters";
    }
    return "other";
  }

  // -----------------------------------------------------------------------------------------------
  // Kafka helpers

  private void send(GraphEvent event, int graph) {
    byte[] value = codec.encode(event, EventFormat.AVRO);
    producer.send(
        new ProducerRecord<>(config.topics().mutations(), workload.key(graph), value),
        (metadata, error) -> {
          if (error != null && sendFailures.getAndIncrement() == 0) {
            System.out.println("!! producer send failed: " + error);
          }
        });
  }

  private Map<TopicPartition, Long> endOffsets(String topic, IsolationLevel isolation) {
    try {
      int count =
          admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      for (int p = 0; p < count; p++) {
        request.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      Map<TopicPartition, Long> out = new HashMap<>();
      admin
          .listOffsets(request, new ListOffsetsOptions(isolation))
          .all()
          .get()
          .forEach((tp, info) -> out.put(tp, info.offset()));
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot list offsets of " + topic, e);
    }
  }

  private static long sum(Map<TopicPartition, Long> offsets) {
    return offsets.values().stream().mapToLong(Long::longValue).sum();
  }

  private void awaitApplied(long events, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (pipeline.stats().eventsApplied() + pipeline.stats().eventsRejected() < events) {
      if (System.nanoTime() > deadline || !pipeline.isRunning()) {
        throw new IllegalStateException("warm-up did not finish: " + pipeline.stats());
      }
      Thread.sleep(20);
    }
    if (pipeline.stats().eventsRejected() > 0) {
      throw new IllegalStateException("warm-up events rejected: " + pipeline.stats());
    }
  }

  /** Reads the run's source records with a plain consumer: records/s, first poll to last record. */
  private Part rawConsume(
      Map<TopicPartition, Long> start, Map<TopicPartition, Long> end, long expected) {
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-raw-consumer");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(start.keySet());
      start.forEach(consumer::seek);
      start.keySet().forEach(consumer::position); // metadata and positions before the clock
      long count = 0;
      long bytes = 0;
      CpuReading cpu = CpuReading.now(broker.pid(), PipelineBenchmark::threadGroup);
      long t0 = System.nanoTime();
      long deadline = t0 + Duration.ofSeconds(120).toNanos();
      while (count < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
            count++;
            bytes += r.value().length;
          }
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "raw consume: %,d records, %,.1f MB of values in %.2f s%n", count, bytes / 1e6, seconds);
      return new Part(count / seconds, cpuMicrosSince(cpu, broker.pid(), count));
    }
  }

  /**
   * The rate of one Kafka Streams exactly-once hop that does nothing but copy records: every record
   * of the mutations topic so far (warm-up and preload) into a fresh topic, with the pipeline's own
   * Streams settings (EOS v2, commit interval, partitions). Stage 1 makes one such hop, or two with
   * its repartition, on top of its own work, and the writer reads the result once more: this bounds
   * what the whole pipeline can do on this broker and machine. Measured from the first record
   * visible (read_committed) in the copy to the last.
   */
  private Part streamsPassthrough() throws InterruptedException {
    String source = config.topics().mutations();
    long total = sum(endOffsets(source, IsolationLevel.READ_UNCOMMITTED));
    String sink = "bench-passthrough";
    try {
      admin.createTopics(List.of(new NewTopic(sink, partitions(), (short) 1))).all().get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create " + sink, e);
    }
    Properties props = IngestTopology.streamsProps(config);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-passthrough");
    props.put(StreamsConfig.STATE_DIR_CONFIG, root.resolve("passthrough-state").toString());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(source, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .to(sink, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
    try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
      streams.start();
      long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
      long first = 0;
      long copied = 0;
      long copiedAtFirst = 0;
      CpuReading cpu = null;
      while (copied < total && System.nanoTime() < deadline) {
        copied = sum(endOffsets(sink, IsolationLevel.READ_COMMITTED));
        if (copied > 0 && first == 0) {
          first = System.nanoTime();
          copiedAtFirst = copied;
          cpu = CpuReading.now(broker.pid(), PipelineBenchmark::threadGroup);
        }
        LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
      }
      double seconds = (System.nanoTime() - first) / 1e9;
      // The committed end offsets count the transaction markers too: about one per partition
      // and commit, a rounding error at these sizes.
      System.out.printf(
          "eos hop: Kafka Streams (EOS v2) copied %,d records in %.2f s:"
              + " %,.0f records/s  [load %s]%n%n",
          total, seconds, total / seconds, ResourceMeters.loadAverage());
      double cpuMicros =
          cpu == null ? Double.NaN : cpuMicrosSince(cpu, broker.pid(), copied - copiedAtFirst);
      streams.close(Duration.ofSeconds(30));
      return new Part(total / seconds, cpuMicros);
    }
  }

  /** Reads {@code ingraft.commits} from the beginning for as long as the benchmark runs. */
  private static final class NoticeCollector {
    private final IngraftConfig config;
    private final List<CommitNotice> received = new CopyOnWriteArrayList<>();
    private volatile boolean stopped;
    private Thread thread;

    NoticeCollector(IngraftConfig config) {
      this.config = config;
    }

    void start() {
      Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
      props.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-notices");
      KafkaConsumer<byte[], byte[]> consumer =
          new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      CommitNoticeCodec codec = new CommitNoticeCodec();
      thread =
          new Thread(
              () -> {
                try (consumer) {
                  List<TopicPartition> partitions =
                      consumer.partitionsFor(config.topics().commits()).stream()
                          .map(p -> new TopicPartition(p.topic(), p.partition()))
                          .toList();
                  consumer.assign(partitions);
                  consumer.seekToBeginning(partitions);
                  while (!stopped) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                      received.add(codec.decode(r.value()));
                    }
                  }
                }
              },
              "bench-notices");
      thread.setDaemon(true);
      thread.start();
    }

    /** The latest version per graph seen so far. */
    Map<String, Long> latestVersions() {
      Map<String, Long> out = new HashMap<>();
      for (CommitNotice n : received) {
        out.merge(n.getGraph(), n.getManifestVersion(), Math::max);
      }
      return out;
    }

    /** Notices of versions after {@code base} (per graph). */
    List<CommitNotice> after(Map<String, Long> base) {
      List<CommitNotice> out = new ArrayList<>();
      for (CommitNotice n : received) {
        if (n.getManifestVersion() > base.getOrDefault(n.getGraph(), 0L)) {
          out.add(n);
        }
      }
      return out;
    }

    void stop() throws InterruptedException {
      stopped = true;
      if (thread != null) {
        thread.join(5000);
      }
    }
  }

  // -----------------------------------------------------------------------------------------------
  // The workload

  static Map<String, Object> person(int i) {
    Map<String, Object> props = new HashMap<>(8);
    props.put("id", "p" + i);
    props.put("name", "person " + i);
    props.put("age", (long) (i % 100));
    props.put("score", i / 10.0);
    return props;
  }

  static Map<String, Object> knows(String graph, long eventSeq, int from, int to) {
    Map<String, Object> row = new HashMap<>(4);
    // The engine's id for an edge without one: a name UUID of graph, event id and op index.
    row.put(
        SchemaCatalog.EDGE_ID,
        UUID.nameUUIDFromBytes(
                (graph + "\u0000e" + eventSeq + "\u00000").getBytes(StandardCharsets.UTF_8))
            .toString());
    row.put(SchemaCatalog.EDGE_FROM, "p" + from);
    row.put(SchemaCatalog.EDGE_TO, "p" + to);
    return row;
  }

  // -----------------------------------------------------------------------------------------------
  // The Lance ceiling and the engine alone

  record Ceiling(
      long rows, long nodeRows, long edgeRows, double rowsPerSecond, double cpuMicrosPerRow) {

    Part part() {
      return new Part(rowsPerSecond, cpuMicrosPerRow);
    }
  }

  /**
   * One part of the pipeline measured alone: its rate and its CPU per record, this JVM and the
   * broker over the part's window (the idle pipeline's polls included, a few percent).
   */
  record Part(double perSecond, double cpuMicros) {}

  /** CPU microseconds of this JVM and the broker since {@code start}, per record. */
  private static double cpuMicrosSince(CpuReading start, long brokerPid, long records) {
    return CpuReading.now(brokerPid, PipelineBenchmark::threadGroup)
        .since(start)
        .microsPerEvent(records);
  }

  /**
   * Raw TableStore rate for the preload's rows (half Person rows, half Knows rows): build the rows,
   * stage appends of up to 100k rows, one commit per table. A 20k-row pass first warms the JIT and
   * Lance up.
   */
  private static Ceiling ceiling(Path dir, int rows) throws IOException {
    Files.createDirectories(dir);
    try (ObjectStore store = new LocalObjectStore(dir);
        TableStore tables = new TableStore(store)) {
      SchemaCatalog catalog = new SchemaCatalog(GraphSchema.parse(SCHEMA));
      Schema node = catalog.nodeSchema(catalog.schema().nodeType("Person").orElseThrow());
      Schema edge = catalog.edgeSchema(catalog.schema().edgeType("Knows").orElseThrow());
      appendAll(tables, "warm", node, edge, 20_000);
      CpuReading cpu = CpuReading.now(0, PipelineBenchmark::threadGroup);
      long t0 = System.nanoTime();
      long[] counts = appendAll(tables, "ceiling", node, edge, rows);
      double seconds = (System.nanoTime() - t0) / 1e9;
      return new Ceiling(rows, counts[0], counts[1], rows / seconds, cpuMicrosSince(cpu, 0, rows));
    }
  }

  private static long[] appendAll(
      TableStore tables, String name, Schema node, Schema edge, int rows) {
    int nodeRows = (rows + 1) / 2;
    int edgeRows = rows / 2;
    String nodePath = "graphs/" + name + "/nodes/Person.lance";
    String edgePath = "graphs/" + name + "/edges/Knows.lance";
    long nodeVersion = tables.create(nodePath, node, "id");
    long edgeVersion = tables.create(edgePath, edge, SchemaCatalog.EDGE_ID);
    Random random = new Random(7);
    StagedWrite nodes = null;
    for (int start = 0; start < nodeRows; start += 100_000) {
      int n = Math.min(100_000, nodeRows - start);
      List<Map<String, Object>> list = new ArrayList<>(n);
      for (int i = start; i < start + n; i++) {
        list.add(person(i));
      }
      try (VectorSchemaRoot batch = ArrowRows.toRoot(node, list, tables.allocator())) {
        StagedWrite piece = tables.stageAppend(nodePath, nodeVersion, batch);
        nodes = nodes == null ? piece : nodes.concat(piece);
      }
    }
    StagedWrite edges = null;
    for (int start = 0; start < edgeRows; start += 100_000) {
      int n = Math.min(100_000, edgeRows - start);
      List<Map<String, Object>> list = new ArrayList<>(n);
      for (int i = start; i < start + n; i++) {
        list.add(knows(name, 2L * i + 1, random.nextInt(nodeRows), random.nextInt(nodeRows)));
      }
      try (VectorSchemaRoot batch = ArrowRows.toRoot(edge, list, tables.allocator())) {
        StagedWrite piece = tables.stageAppend(edgePath, edgeVersion, batch);
        edges = edges == null ? piece : edges.concat(piece);
      }
    }
    // One commit per table, as a batch of the engine makes.
    if (nodes != null) {
      tables.commit(nodes, UUID.randomUUID(), Map.of());
    }
    if (edges != null) {
      tables.commit(edges, UUID.randomUUID(), Map.of());
    }
    return new long[] {nodeRows, edgeRows};
  }

  /**
   * The engine alone: a graph pre-filled with as many Persons and Knows edges as one of the
   * pipeline's graphs had, then batches of {@code size} events of the same mix, timed one by one.
   *
   * @return {p50 apply ms, min apply ms, process CPU ms per batch, calling thread CPU ms per batch}
   */
  private double[] engineApply(Path dir, int size) throws IOException {
    Files.createDirectories(dir);
    try (ObjectStore store = new LocalObjectStore(dir);
        TableStore tables = new TableStore(store)) {
      GraphEngine engine = new GraphEngine(store, tables, "bench", Clock.systemUTC());
      GraphId graph = GraphId.of("alone");
      engine.createGraph(graph, SCHEMA);
      int perGraph =
          (int) Math.min(200_000, ((long) options.warmup + options.events) / options.graphs);
      AppendMixBatches batches = new AppendMixBatches(graph.value(), 3);
      for (int done = 0; done < perGraph; done += 10_000) {
        check(engine.apply(graph, batches.next(Math.min(10_000, perGraph - done))));
      }
      int rounds = Math.max(5, Math.min(30, 100_000 / size));
      long[] nanos = new long[rounds];
      var os =
          (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      var threads = ManagementFactory.getThreadMXBean();
      long cpu0 = 0;
      long thread0 = 0;
      for (int r = -2; r < rounds; r++) {
        List<io.ingraft.engine.event.GraphEvent> batch = batches.next(size);
        if (r == 0) {
          cpu0 = os.getProcessCpuTime();
          thread0 = threads.getCurrentThreadCpuTime();
        }
        long t0 = System.nanoTime();
        check(engine.apply(graph, batch));
        if (r >= 0) {
          nanos[r] = System.nanoTime() - t0;
        }
      }
      double cpuMs = (os.getProcessCpuTime() - cpu0) / 1e6 / rounds;
      double threadMs = (threads.getCurrentThreadCpuTime() - thread0) / 1e6 / rounds;
      Arrays.sort(nanos);
      return new double[] {nanos[rounds / 2] / 1e6, nanos[0] / 1e6, cpuMs, threadMs};
    }
  }

  private static void check(BatchResult result) {
    long rejected = result.count(EventResult.Status.REJECTED);
    if (rejected > 0) {
      throw new IllegalStateException(
          rejected
              + " events rejected, first: "
              + result.events().stream()
                  .filter(e -> e.status() == EventResult.Status.REJECTED)
                  .findFirst()
                  .orElseThrow());
    }
  }

  // -----------------------------------------------------------------------------------------------
  // Clean-up

  private void close() {
    try {
      if (notices != null) {
        notices.stop();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (producer != null) {
      producer.close(Duration.ofSeconds(10));
    }
    if (pipeline != null) {
      pipeline.close();
    }
    if (admin != null) {
      admin.close(Duration.ofSeconds(10));
    }
    if (broker != null) {
      broker.close();
    }
    heap.close();
  }
}
