package io.ingraft.app.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The meters of one graph, registered once when the instance first hears of the graph and kept here
 * so that the writer's hot path does no registry look-ups; removed from the registry when the
 * instance releases the graph ({@link #remove}). Names are in docs/operations.md, "Metrics".
 */
final class GraphMeters {
  /** Buckets of every duration histogram: 5 ms to 5 min. */
  static final Duration[] DURATION_BUCKETS = {
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30),
    Duration.ofSeconds(60),
    Duration.ofSeconds(300)
  };

  /** Buckets of the batch-size histogram: 1 to 1,000,000 events. */
  static final double[] SIZE_BUCKETS = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000};

  final GraphState state;
  final Counter applied;
  final Counter skipped;
  final Counter rejected;
  final DistributionSummary batchSize;
  final Timer apply;
  final Timer publish;
  final Timer freshness;
  final Counter retries;
  final Counter fencings;
  final Counter compactions;
  final Timer compaction;
  final Counter notices;
  final Counter sweepsClean;
  final Counter sweepsRecovered;
  final Counter sweepsFailed;
  final Counter retentionRuns;
  final Counter retentionFailures;
  final Counter retentionFreed;
  final Timer retention;
  private final MeterRegistry registry;
  private final Map<String, Counter> rejectedByCode = new ConcurrentHashMap<>();
  private final Map<String, Counter> recoveredByOutcome = new ConcurrentHashMap<>();

  /** Every meter registered for the graph, to be removed when it is released. */
  private final Queue<Meter> meters = new ConcurrentLinkedQueue<>();

  GraphMeters(MeterRegistry registry, String graph) {
    this.registry = registry;
    this.state = new GraphState(graph);
    applied = events(graph, "applied");
    skipped = events(graph, "skipped");
    rejected = events(graph, "rejected");
    batchSize =
        DistributionSummary.builder("ingraft.batch.size")
            .baseUnit("events")
            .description("events per engine apply")
            .tag("graph", graph)
            .serviceLevelObjectives(SIZE_BUCKETS)
            .register(registry);
    apply =
        timer(
            "ingraft.apply.duration",
            graph,
            "one engine apply: staging, table commits, manifest publish");
    publish =
        timer(
            "ingraft.publish.duration",
            graph,
            "sealed batches applied, published, their dead letters and commit notice acknowledged");
    freshness =
        timer(
            "ingraft.freshness",
            graph,
            "oldest event timestamp of a published version to its publish");
    retries =
        Counter.builder("ingraft.batch.retries")
            .tag("graph", graph)
            .description("failed batch attempts scheduled again")
            .register(registry);
    fencings =
        Counter.builder("ingraft.fencings")
            .tag("graph", graph)
            .description("times a newer owner claimed the graph")
            .register(registry);
    compactions =
        Counter.builder("ingraft.compactions")
            .tag("graph", graph)
            .description("table compactions published")
            .register(registry);
    compaction =
        timer(
            "ingraft.compaction.duration",
            graph,
            "one table compaction, stage to publish (the graph's lane waits for it)");
    notices =
        Counter.builder("ingraft.commit.notices")
            .tag("graph", graph)
            .description("commit notices acknowledged")
            .register(registry);
    sweepsClean = sweeps(graph, "clean");
    sweepsRecovered = sweeps(graph, "recovered");
    sweepsFailed = sweeps(graph, "failed");
    retentionRuns = retentionRuns(graph, "ok");
    retentionFailures = retentionRuns(graph, "failed");
    retentionFreed =
        Counter.builder("ingraft.retention.freed")
            .baseUnit("bytes")
            .tag("graph", graph)
            .description(
                "bytes the writer's retention runs removed (manifests, table versions, staged files)")
            .register(registry);
    retention =
        timer(
            "ingraft.retention.duration",
            graph,
            "one retention run of the writer (graph gc beside the graph's writes)");
    keep(
        Gauge.builder("ingraft.graph.version", state, GraphState::versionOrNaN)
            .tag("graph", graph)
            .description("latest manifest version this instance published")
            .register(registry));
    keep(
        Gauge.builder("ingraft.last.publish.timestamp", state, GraphState::lastPublishSeconds)
            .baseUnit("seconds")
            .tag("graph", graph)
            .description("when this instance last published a version (Unix time)")
            .register(registry));
    keep(
        Gauge.builder("ingraft.graph.backlog", state.backlog(), Number::doubleValue)
            .baseUnit("events")
            .tag("graph", graph)
            .description("sealed events read and not yet published")
            .register(registry));
    for (Meter meter :
        List.of(
            applied,
            skipped,
            rejected,
            batchSize,
            apply,
            publish,
            freshness,
            retries,
            fencings,
            compactions,
            compaction,
            notices,
            sweepsClean,
            sweepsRecovered,
            sweepsFailed,
            retentionRuns,
            retentionFailures,
            retentionFreed,
            retention)) {
      keep(meter);
    }
  }

  /**
   * Removes every meter of the graph from the registry: the instance no longer writes it (its
   * partition was revoked or lost), and an instance that gains and loses many graphs must not keep
   * meters for all it ever had. If it gets the graph back, its counters start again from zero,
   * which Prometheus reads as a counter reset.
   */
  void remove() {
    for (Meter meter; (meter = meters.poll()) != null; ) {
      registry.remove(meter);
    }
  }

  private void keep(Meter meter) {
    meters.add(meter);
  }

  Counter rejected(String code) {
    return byTag(
        rejectedByCode,
        "ingraft.events.rejected",
        "code",
        code,
        "events rejected by the engine, by code");
  }

  Counter recovered(String outcome) {
    return byTag(
        recoveredByOutcome,
        "ingraft.recovered.operations",
        "outcome",
        outcome,
        "interrupted operations the recovery sweep finished or undid");
  }

  /** The graph's counter {@code name} for one value of {@code tag}, registered on first use. */
  private Counter byTag(
      Map<String, Counter> cache, String name, String tag, String value, String description) {
    return cache.computeIfAbsent(
        value,
        v -> {
          Counter counter =
              Counter.builder(name)
                  .tags("graph", state.graph(), tag, v)
                  .description(description)
                  .register(registry);
          keep(counter);
          return counter;
        });
  }

  private Counter events(String graph, String outcome) {
    return Counter.builder("ingraft.events")
        .tags("graph", graph, "outcome", outcome)
        .description("events by outcome")
        .register(registry);
  }

  private Counter sweeps(String graph, String outcome) {
    return Counter.builder("ingraft.sweeps")
        .tags("graph", graph, "outcome", outcome)
        .description("takeovers by what their recovery sweep found")
        .register(registry);
  }

  private Counter retentionRuns(String graph, String outcome) {
    return Counter.builder("ingraft.retention.runs")
        .tags("graph", graph, "outcome", outcome)
        .description("the writer's scheduled retention runs (ingraft.writer.retention.*)")
        .register(registry);
  }

  private Timer timer(String name, String graph, String description) {
    return Timer.builder(name)
        .tag("graph", graph)
        .description(description)
        .serviceLevelObjectives(DURATION_BUCKETS)
        .register(registry);
  }
}
