package io.ingraft.app;

import io.ingraft.app.cdc.CdcTopics;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.http.StatusReport;
import io.ingraft.app.http.StatusServer;
import io.ingraft.app.metrics.GraphView;
import io.ingraft.app.metrics.LagProbe;
import io.ingraft.app.metrics.PipelineMeters;
import io.ingraft.app.topology.IngestTopology;
import io.ingraft.app.topology.TopicSetup;
import io.ingraft.app.writer.GraphWriter;
import io.ingraft.app.writer.WriterStats;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.MaintenancePolicy;
import io.ingraft.events.SchemaRegistry;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Both stages of the pipeline in one process: the Streams topology (stage 1) and the graph writer
 * (stage 2), over one storage root. {@link #start()} creates missing topics, claims a Streams state
 * directory of its own ({@link StateSlot}) and starts both; {@link #close()} stops the writer first
 * (it finishes or drops its in-flight batches and commits only published work), then the topology,
 * then storage. {@code close()} is safe to call more than once.
 *
 * <p>It is also what the HTTP endpoint ({@link StatusServer}) shows: its metrics (a Prometheus
 * registry with the pipeline's own meters, Kafka Streams', the Kafka clients' and the JVM's),
 * liveness, readiness and status.
 */
public final class IngestPipeline implements AutoCloseable, StatusServer.Source {
  private static final Logger LOG = LoggerFactory.getLogger(IngestPipeline.class);

  private final IngraftConfig config;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final PipelineMeters meters = new PipelineMeters(registry);
  private Admin admin;
  private volatile LagProbe lag;
  private ObjectStore store;
  private TableStore tables;
  private LoadBuckets loadBuckets;
  private GraphEngine engine;
  // Volatile: the HTTP endpoint's threads read them without the lock, which close() holds long.
  private volatile KafkaStreams streams;
  private volatile GraphWriter writer;
  private StateSlot stateSlot;
  private volatile boolean closed;

  /** Whether the writer is held by {@link #pauseWriter()} (also before it exists). */
  private boolean writerHeld;

  public IngestPipeline(IngraftConfig config) {
    this.config = config;
    meters.bind(new JvmMemoryMetrics());
    meters.bind(new JvmGcMetrics());
    meters.bind(new JvmThreadMetrics());
    meters.bind(new ClassLoaderMetrics());
    meters.bind(new ProcessorMetrics());
    meters.bind(new UptimeMetrics());
    meters.bind(new FileDescriptorMetrics());
    Gauge.builder("ingraft.ready", this, p -> p.ready() ? 1 : 0)
        .description("1 while /health/ready answers 200")
        .register(registry);
  }

  /** Creates missing topics, then starts stage 1 and stage 2. */
  public synchronized void start() {
    // Kept open: the lag probe asks it every second.
    admin = Admin.create(config.kafkaClientProps());
    List<String> created;
    try {
      created = new ArrayList<>(TopicSetup.ensure(admin, config));
      if (config.stageOne().cdcMapping() != null) {
        created.addAll(CdcTopics.ensure(admin, config));
      }
    } catch (RuntimeException e) {
      admin.close(Duration.ofSeconds(10));
      admin = null;
      throw e;
    }
    if (!created.isEmpty()) {
      LOG.info("created topics {}", created);
    }
    store = ObjectStore.open(config.storage());
    tables = new TableStore(store);
    loadBuckets = new LoadBuckets(config);
    engine =
        new GraphEngine(
            store,
            tables,
            config.writer().id(),
            Clock.systemUTC(),
            (config.writer().compactionInBackground()
                    ? MaintenancePolicy.DEFAULT.inBackground()
                    : MaintenancePolicy.DEFAULT)
                .withRetention(config.writer().retention()),
            loadBuckets.sources(),
            meters);
    SchemaRegistry registry = config.registry().client();
    stateSlot = StateSlot.claim(config.stateDir(), config.applicationId());
    Properties streamsProps = IngestTopology.streamsProps(config);
    streamsProps.put(StreamsConfig.STATE_DIR_CONFIG, stateSlot.directory().toString());
    streamsProps.put(IngestTopology.LISTENER_CONFIG, meters.topology());
    streams =
        new KafkaStreams(IngestTopology.build(config, registry, meters.topology()), streamsProps);
    streams.setUncaughtExceptionHandler(IngestTopology.uncaughtExceptionHandler());
    meters.bind(new KafkaStreamsMetrics(streams));
    streams.start();
    writer =
        new GraphWriter(
            config,
            engine,
            Clock.systemUTC(),
            GraphWriter.Options.of(config.writer().timing()),
            meters);
    if (writerHeld) {
      writer.pauseConsumption();
    }
    writer.start();
    lag =
        new LagProbe(
            admin,
            config.applicationId(),
            config.writer().groupId(),
            this::stageOnePartitions,
            meters,
            config.monitoring().lagInterval());
    LOG.info(
        "pipeline started: storage {}, brokers {}, writer {}, Streams state {}",
        store.describe(),
        config.bootstrapServers(),
        config.writer().id(),
        stateSlot.directory());
  }

  /**
   * Pauses stage 1 (Kafka Streams' {@code pause()}): it stops processing, so events queue up in the
   * producer topics; what it already processed still commits. Its linger sweep pauses too, so a
   * graph's batch that is open stays open until {@link #resumeTopology()}; the writer goes on with
   * the sealed batches in the graph log. Used to build a backlog on purpose (the pipeline
   * benchmark's preload) or to hold intake during an operation.
   */
  public synchronized void pauseTopology() {
    requireStarted().pause();
  }

  /** Resumes a stage 1 that {@link #pauseTopology()} paused. */
  public synchronized void resumeTopology() {
    requireStarted().resume();
  }

  /** Whether stage 1 is paused. */
  public synchronized boolean isTopologyPaused() {
    return streams != null && streams.isPaused();
  }

  private KafkaStreams requireStarted() {
    if (streams == null || closed) {
      throw new IllegalStateException("the pipeline is not running");
    }
    return streams;
  }

  /**
   * Holds the writer's consumption of the graph log (stage 1 goes on), so that the writer falls
   * behind on purpose; see {@link GraphWriter#pauseConsumption()}. Called before {@link #start()},
   * the writer starts held: it joins its group and takes nothing over.
   */
  public synchronized void pauseWriter() {
    writerHeld = true;
    if (writer != null) {
      writer.pauseConsumption();
    }
  }

  /** Resumes a writer that {@link #pauseWriter()} held. */
  public synchronized void resumeWriter() {
    writerHeld = false;
    if (writer != null) {
      writer.resumeConsumption();
    }
  }

  public WriterStats stats() {
    return writer.stats();
  }

  /** Stage 1's lag in records over its partitions on this instance, or -1 while not measured. */
  public long stageOneLag() {
    LagProbe probe = lag;
    return probe == null ? -1 : probe.stageOneTotal();
  }

  /** The writer's lag in records (committed offsets), or -1 while not measured. */
  public long writerLag() {
    LagProbe probe = lag;
    return probe == null ? -1 : probe.writerTotal();
  }

  /** The registry behind {@code /metrics}. */
  public PrometheusMeterRegistry metrics() {
    return registry;
  }

  // ---------------------------------------------------------------------------------------------
  // What the HTTP endpoint shows

  @Override
  public String scrape() {
    meters.stopped(stoppedCodes());
    return registry.scrape();
  }

  /** Alive until a stage stops by itself (a deliberate close is not a failure). */
  @Override
  public boolean live() {
    KafkaStreams s = streams;
    GraphWriter w = writer;
    return closed
        || s == null
        || w == null
        || (w.isRunning() && s.state().isRunningOrRebalancing());
  }

  /**
   * Ready when stage 1 runs (Kafka Streams {@code RUNNING}), the writer runs and has joined its
   * group, and it has taken over its assigned partitions: caught up with what was pending in each
   * when it was assigned, which takes every graph with pending records over first.
   */
  @Override
  public boolean ready() {
    KafkaStreams s = streams;
    GraphWriter w = writer;
    LagProbe probe = lag;
    return !closed
        && s != null
        && s.state() == KafkaStreams.State.RUNNING
        && w != null
        && w.isRunning()
        && probe != null
        && probe.writerTookOver();
  }

  @Override
  public StatusReport status() {
    LagProbe probe = lag;
    Map<TopicPartition, Long> writerLags = probe == null ? Map.of() : probe.writerLag();
    List<StatusReport.Graph> graphs = new ArrayList<>();
    for (GraphView graph : meters.ownedGraphs()) {
      Long partitionLag = writerLags.get(graph.partition());
      graphs.add(
          new StatusReport.Graph(
              graph.graph(),
              graph.partition().toString(),
              graph.version(),
              partitionLag == null ? -1 : partitionLag,
              graph.backlogEvents(),
              graph.freshness() == null ? null : graph.freshness().toMillis(),
              graph.lastPublish()));
    }
    graphs.sort(Comparator.comparing(StatusReport.Graph::graph));
    KafkaStreams s = streams;
    GraphWriter w = writer;
    return new StatusReport(
        config.writer().id(),
        ready(),
        new StatusReport.StageOne(
            s == null ? "NOT_STARTED" : s.state().name(),
            names(stageOnePartitions()),
            stageOneLag()),
        new StatusReport.Writer(
            w != null && w.isRunning(),
            names(meters.writerAssignment().keySet()),
            writerLag(),
            probe != null && probe.writerTookOver()),
        graphs,
        stoppedGraphs(),
        Instant.now());
  }

  /**
   * The graphs the writer stopped until an operator acts ({@link WriterStats#stoppedGraphs()}), the
   * one place the status page, {@code /api/status} and {@code ingraft_graph_stopped} learn them
   * from.
   */
  private List<StatusReport.StoppedGraph> stoppedGraphs() {
    GraphWriter w = writer;
    if (w == null) {
      return List.of();
    }
    List<StatusReport.StoppedGraph> stopped = new ArrayList<>();
    w.stats()
        .stoppedGraphs()
        .forEach(
            (graph, why) ->
                stopped.add(
                    new StatusReport.StoppedGraph(
                        graph, why.code(), why.message(), why.action(), why.since())));
    stopped.sort(Comparator.comparing(StatusReport.StoppedGraph::graph));
    return stopped;
  }

  private Map<String, String> stoppedCodes() {
    Map<String, String> codes = new HashMap<>();
    stoppedGraphs().forEach(stopped -> codes.put(stopped.graph(), stopped.code()));
    return codes;
  }

  /** The partitions stage 1's active tasks read on this instance (thread-safe in Streams). */
  private Set<TopicPartition> stageOnePartitions() {
    KafkaStreams s = streams;
    Set<TopicPartition> partitions = new HashSet<>();
    if (s == null || !s.state().isRunningOrRebalancing()) {
      return partitions;
    }
    for (ThreadMetadata thread : s.metadataForLocalThreads()) {
      for (TaskMetadata task : thread.activeTasks()) {
        partitions.addAll(task.topicPartitions());
      }
    }
    return partitions;
  }

  private static List<String> names(Collection<TopicPartition> partitions) {
    return partitions.stream().map(TopicPartition::toString).sorted().toList();
  }

  public KafkaStreams.State topologyState() {
    return streams.state();
  }

  public GraphEngine engine() {
    return engine;
  }

  /** Whether both stages are still running. */
  public synchronized boolean isRunning() {
    return !closed
        && writer != null
        && writer.isRunning()
        && streams.state().isRunningOrRebalancing();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (lag != null) {
      lag.close();
    }
    if (writer != null) {
      writer.close();
    }
    if (streams != null) {
      // Leave the group on a deliberate stop, so a restarted stage 1 does not wait out the
      // session timeout of its old member before it gets partitions.
      streams.close(
          CloseOptions.timeout(Duration.ofSeconds(30))
              .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    }
    if (stateSlot != null) {
      stateSlot.close();
    }
    if (engine != null) {
      // Before the tables: a compaction being staged still writes through them.
      engine.close();
    }
    if (tables != null) {
      tables.close();
    }
    if (loadBuckets != null) {
      loadBuckets.close();
    }
    if (store != null) {
      store.close();
    }
    if (admin != null) {
      admin.close(Duration.ofSeconds(10));
    }
    meters.close();
    registry.close();
    LOG.info("pipeline stopped");
  }
}
