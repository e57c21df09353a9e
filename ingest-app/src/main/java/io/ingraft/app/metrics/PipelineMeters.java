package io.ingraft.app.metrics;

import io.ingraft.app.topology.TopologyListener;
import io.ingraft.app.writer.WriterListener;
import io.ingraft.engine.EngineListener;
import io.ingraft.engine.retention.GcReport;
import io.ingraft.recovery.RecoveryOutcome;
import io.ingraft.storage.GraphId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;

/**
 * The pipeline's own meters (docs/operations.md, "Metrics"): it listens to the graph writer, stage
 * 1 and the engine, and turns what they report into Micrometer counters, histograms and gauges, per
 * graph where the work is a graph's. It also keeps the writer's current assignment and what it
 * knows of each graph ({@link GraphState}) for the status page and readiness.
 */
public final class PipelineMeters implements WriterListener, EngineListener, AutoCloseable {
  /** Stage names, as in the dead letters' {@code ingraft.stage} header. */
  public static final String TOPOLOGY = "topology";

  public static final String WRITER = "writer";

  private final MeterRegistry registry;
  private final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();
  private final Map<Stop, Gauge> stoppedGauges = new HashMap<>();
  private final Map<String, GraphMeters> graphs = new ConcurrentHashMap<>();
  private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();

  /** The writer's partitions, each with the number of the rebalance that assigned it. */
  private final Map<TopicPartition, Long> assignment = new ConcurrentHashMap<>();

  private final AtomicLong rebalances = new AtomicLong();
  private volatile boolean joined;

  private record Stop(String graph, String code) {}

  public PipelineMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Closes the binders bound through {@link #bind} (they poll their clients on a timer). */
  @Override
  public void close() {
    for (AutoCloseable binder : closing) {
      try {
        binder.close();
      } catch (Exception e) {
        // A binder that fails to close holds nothing the process still needs.
      }
    }
    closing.clear();
  }

  public MeterRegistry registry() {
    return registry;
  }

  // ---------------------------------------------------------------------------------------------
  // What the writer reports

  @Override
  public void started(Consumer<?, ?> consumer) {
    bind(new KafkaClientMetrics(consumer));
  }

  @Override
  public void producerCreated(Producer<?, ?> producer) {
    bind(new KafkaClientMetrics(producer));
  }

  /** Binds {@code binder} to the registry; {@link #close()} closes it. */
  public void bind(MeterBinder binder) {
    binder.bindTo(registry);
    if (binder instanceof AutoCloseable closeable) {
      closing.add(closeable);
    }
  }

  /**
   * The graphs stopped now, each with the code of why: one {@code ingraft_graph_stopped} gauge per
   * graph at 1, and none for the others.
   */
  public synchronized void stopped(Map<String, String> codes) {
    stoppedGauges
        .entrySet()
        .removeIf(
            entry -> {
              if (entry.getKey().code().equals(codes.get(entry.getKey().graph()))) {
                return false;
              }
              registry.remove(entry.getValue());
              return true;
            });
    codes.forEach(
        (graph, code) ->
            stoppedGauges.computeIfAbsent(
                new Stop(graph, code),
                stop ->
                    Gauge.builder("ingraft.graph.stopped", () -> 1)
                        .tags("graph", graph, "code", code)
                        .description("1 while the graph is stopped and waits for an operator")
                        .register(registry)));
  }

  @Override
  public void assigned(Collection<TopicPartition> added) {
    long rebalance = rebalances.incrementAndGet();
    added.forEach(partition -> assignment.put(partition, rebalance));
    joined = true;
  }

  @Override
  public void released(Collection<TopicPartition> removed) {
    removed.forEach(assignment::remove);
    // The graphs of those partitions are no longer this instance's: their meters and state go, so
    // that gaining and losing graphs in rebalances does not grow the registry. A graph whose
    // partition is unknown was last touched by work that outlived its partition: it goes too.
    graphs
        .values()
        .removeIf(
            meters -> {
              TopicPartition partition = meters.state.partition();
              boolean gone = partition == null || removed.contains(partition);
              if (gone) {
                meters.remove();
              }
              return gone;
            });
  }

  /** How many graphs this instance keeps meters and state for now. */
  public int graphsTracked() {
    return graphs.size();
  }

  @Override
  public void batchQueued(String graph, TopicPartition partition, int events) {
    GraphState state = graph(graph).state;
    state.partition(partition);
    state.backlog().addAndGet(events);
  }

  @Override
  public void batchSettled(String graph, int events) {
    graph(graph).state.backlog().addAndGet(-events);
  }

  @Override
  public void applied(String graph, int applied, int skipped, long nanos) {
    GraphMeters meters = graph(graph);
    meters.applied.increment(applied);
    meters.skipped.increment(skipped);
    meters.apply.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void rejected(String graph, String code) {
    GraphMeters meters = graph(graph);
    meters.rejected.increment();
    meters.rejected(code).increment();
  }

  @Override
  public void published(String graph, long version, Instant at, Long oldestEventMillis) {
    GraphMeters meters = graph(graph);
    Duration fresh = null;
    if (oldestEventMillis != null) {
      // A producer clock ahead of ours would make it negative; freshness is at least zero.
      fresh = Duration.ofMillis(Math.max(0, at.toEpochMilli() - oldestEventMillis));
      meters.freshness.record(fresh);
    }
    meters.state.published(version, at, fresh);
  }

  @Override
  public void batchesApplied(String graph, int events, long nanos) {
    GraphMeters meters = graph(graph);
    meters.batchSize.record(events);
    meters.publish.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void deadLettered(String code) {
    deadLetter(WRITER, code);
  }

  @Override
  public void commitNoticeSent(String graph) {
    graph(graph).notices.increment();
  }

  @Override
  public void retried(String graph) {
    graph(graph).retries.increment();
  }

  @Override
  public void fenced(String graph) {
    graph(graph).fencings.increment();
  }

  // ---------------------------------------------------------------------------------------------
  // What stage 1 and the engine report

  /** Stage 1's dead letters, through a view of this class as a {@link TopologyListener}. */
  public TopologyListener topology() {
    return code -> deadLetter(TOPOLOGY, code);
  }

  @Override
  public void tookOver(GraphId graph, List<RecoveryOutcome> outcomes) {
    GraphMeters meters = graph(graph.value());
    if (outcomes.isEmpty()) {
      meters.sweepsClean.increment();
      return;
    }
    meters.sweepsRecovered.increment();
    for (RecoveryOutcome outcome : outcomes) {
      meters.recovered(outcome.decision().name().toLowerCase(Locale.ROOT)).increment();
    }
  }

  @Override
  public void takeOverFailed(GraphId graph, RuntimeException error) {
    graph(graph.value()).sweepsFailed.increment();
  }

  @Override
  public void compacted(GraphId graph, String table, long version, Duration took) {
    GraphMeters meters = graph(graph.value());
    meters.compactions.increment();
    meters.compaction.record(took);
  }

  @Override
  public void collected(GraphId graph, GcReport report, Duration took) {
    GraphMeters meters = graph(graph.value());
    meters.retentionRuns.increment();
    meters.retentionFreed.increment(report.bytesFreed());
    meters.retention.record(took);
  }

  @Override
  public void collectionFailed(GraphId graph, RuntimeException error) {
    graph(graph.value()).retentionFailures.increment();
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /** Whether the writer has joined its group (a rebalance assigned it partitions, or none). */
  public boolean writerJoined() {
    return joined;
  }

  /**
   * The graph-log partitions assigned to this instance's writer now, each with a number that
   * changes whenever the partition is assigned again.
   */
  public Map<TopicPartition, Long> writerAssignment() {
    return Map.copyOf(assignment);
  }

  /** The graphs this instance has written whose partition is assigned to it now. */
  public List<GraphView> ownedGraphs() {
    List<GraphView> owned = new ArrayList<>();
    for (GraphMeters meters : graphs.values()) {
      GraphState state = meters.state;
      TopicPartition partition = state.partition();
      if (partition != null && assignment.containsKey(partition)) {
        owned.add(
            new GraphView(
                state.graph(),
                partition,
                state.version(),
                state.backlog().get(),
                state.freshness(),
                state.lastPublish()));
      }
    }
    return owned;
  }

  private void deadLetter(String stage, String code) {
    deadLetters
        .computeIfAbsent(
            stage + '\0' + code,
            k ->
                Counter.builder("ingraft.dead.letters")
                    .tags("stage", stage, "code", code)
                    .description("dead letters by stage and code")
                    .register(registry))
        .increment();
  }

  private GraphMeters graph(String graph) {
    GraphMeters meters = graphs.get(graph);
    return meters != null
        ? meters
        : graphs.computeIfAbsent(graph, g -> new GraphMeters(registry, g));
  }
}
