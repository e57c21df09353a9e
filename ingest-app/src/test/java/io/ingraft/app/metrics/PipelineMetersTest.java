package io.ingraft.app.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.recovery.RecoveryDecision;
import io.ingraft.recovery.RecoveryOutcome;
import io.ingraft.storage.GraphId;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * What the writer, stage 1 and the engine report becomes Prometheus series with the names and
 * labels docs/operations.md lists, scraped from a real Prometheus registry.
 */
class PipelineMetersTest {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final PipelineMeters meters = new PipelineMeters(registry);
  private final TopicPartition p0 = new TopicPartition("ingraft.graph-log", 0);

  @Test
  void writerReportsBecomePerGraphSeries() {
    meters.assigned(List.of(p0));
    meters.batchQueued("social", p0, 5);
    meters.batchQueued("social", p0, 3);
    meters.applied("social", 4, 1, TimeUnit.MILLISECONDS.toNanos(30));
    meters.rejected("social", "NODE_NOT_FOUND");
    meters.rejected("social", "NODE_NOT_FOUND");
    meters.deadLettered("NODE_NOT_FOUND");
    meters.topology().deadLettered("BAD_JSON");
    meters.published("social", 7, Instant.ofEpochMilli(10_000), 8_500L);
    meters.batchesApplied("social", 5, TimeUnit.MILLISECONDS.toNanos(40));
    meters.batchSettled("social", 5);
    meters.commitNoticeSent("social");
    meters.retried("social");
    meters.fenced("social");

    String scrape = registry.scrape();
    assertThat(scrape)
        .contains("ingraft_events_total{graph=\"social\",outcome=\"applied\"} 4.0")
        .contains("ingraft_events_total{graph=\"social\",outcome=\"skipped\"} 1.0")
        .contains("ingraft_events_total{graph=\"social\",outcome=\"rejected\"} 2.0")
        .contains("ingraft_events_rejected_total{code=\"NODE_NOT_FOUND\",graph=\"social\"} 2.0")
        .contains("ingraft_dead_letters_total{code=\"NODE_NOT_FOUND\",stage=\"writer\"} 1.0")
        .contains("ingraft_dead_letters_total{code=\"BAD_JSON\",stage=\"topology\"} 1.0")
        .contains("ingraft_graph_version{graph=\"social\"} 7.0")
        .contains("ingraft_last_publish_timestamp_seconds{graph=\"social\"} 10.0")
        .contains("ingraft_graph_backlog_events{graph=\"social\"} 3.0")
        .contains("ingraft_freshness_seconds_bucket{graph=\"social\",le=\"1.0\"} 0")
        .contains("ingraft_freshness_seconds_bucket{graph=\"social\",le=\"2.5\"} 1")
        .contains("ingraft_freshness_seconds_sum{graph=\"social\"} 1.5")
        .contains("ingraft_apply_duration_seconds_count{graph=\"social\"} 1")
        .contains("ingraft_publish_duration_seconds_count{graph=\"social\"} 1")
        .contains("ingraft_batch_size_events_bucket{graph=\"social\",le=\"10.0\"} 1")
        .contains("ingraft_commit_notices_total{graph=\"social\"} 1.0")
        .contains("ingraft_batch_retries_total{graph=\"social\"} 1.0")
        .contains("ingraft_fencings_total{graph=\"social\"} 1.0");

    GraphView social = meters.ownedGraphs().get(0);
    assertThat(social.version()).isEqualTo(7);
    assertThat(social.backlogEvents()).isEqualTo(3);
    assertThat(social.freshness()).hasMillis(1_500);
    assertThat(social.partition()).isEqualTo(p0);

    meters.released(List.of(p0));
    assertThat(meters.ownedGraphs()).as("a graph whose partition left").isEmpty();
  }

  @Test
  void engineReportsCountSweepsRecoveriesAndCompactions() {
    GraphId graph = GraphId.of("ledger");
    meters.tookOver(graph, List.of());
    meters.tookOver(
        graph,
        List.of(
            new RecoveryOutcome(
                "op-1", "MUTATION", RecoveryDecision.ROLLED_FORWARD, List.of(), 4)));
    meters.takeOverFailed(graph, new IllegalStateException("boom"));
    meters.compacted(graph, "nodes/Account", 5, Duration.ofMillis(420));

    assertThat(registry.scrape())
        .contains("ingraft_sweeps_total{graph=\"ledger\",outcome=\"clean\"} 1.0")
        .contains("ingraft_sweeps_total{graph=\"ledger\",outcome=\"recovered\"} 1.0")
        .contains("ingraft_sweeps_total{graph=\"ledger\",outcome=\"failed\"} 1.0")
        .contains(
            "ingraft_recovered_operations_total{graph=\"ledger\",outcome=\"rolled_forward\"}"
                + " 1.0")
        .contains("ingraft_compactions_total{graph=\"ledger\"} 1.0")
        .contains("ingraft_compaction_duration_seconds_count{graph=\"ledger\"} 1")
        .contains("ingraft_compaction_duration_seconds_sum{graph=\"ledger\"} 0.42")
        .contains("ingraft_compaction_duration_seconds_bucket{graph=\"ledger\",le=\"0.5\"} 1");
  }

  @Test
  void stoppedGraphsAreGaugesThatComeAndGo() {
    meters.stopped(Map.of("ledger", "SWEEP_STOPPED"));
    assertThat(registry.scrape())
        .contains("ingraft_graph_stopped{code=\"SWEEP_STOPPED\",graph=\"ledger\"} 1.0");
    meters.stopped(Map.of("ledger", "UNKNOWN_FORMAT"));
    assertThat(registry.scrape())
        .doesNotContain("SWEEP_STOPPED")
        .contains("ingraft_graph_stopped{code=\"UNKNOWN_FORMAT\",graph=\"ledger\"} 1.0");
    meters.stopped(Map.of());
    assertThat(registry.scrape()).doesNotContain("ingraft_graph_stopped{");
  }
}
