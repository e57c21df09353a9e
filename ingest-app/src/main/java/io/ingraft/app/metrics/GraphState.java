package io.ingraft.app.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;

/**
 * What this instance knows of one graph it writes: the graph-log partition it comes from, the
 * latest version it published, when, how fresh, and the events waiting. Updated by writer threads,
 * read by gauges and the status page.
 */
final class GraphState {
  private final String graph;
  private volatile TopicPartition partition;
  private final AtomicLong version = new AtomicLong(-1);
  private volatile Instant lastPublish;
  private volatile Duration freshness;
  private final AtomicLong backlog = new AtomicLong();

  GraphState(String graph) {
    this.graph = graph;
  }

  String graph() {
    return graph;
  }

  TopicPartition partition() {
    return partition;
  }

  void partition(TopicPartition value) {
    partition = value;
  }

  void published(long publishedVersion, Instant at, Duration fresh) {
    version.accumulateAndGet(publishedVersion, Math::max);
    lastPublish = at;
    if (fresh != null) {
      freshness = fresh;
    }
  }

  /** The latest version this instance published, or -1. */
  long version() {
    return version.get();
  }

  Instant lastPublish() {
    return lastPublish;
  }

  /** The freshness of the last published version that had event timestamps, or null. */
  Duration freshness() {
    return freshness;
  }

  /** Unix seconds of the last publish, NaN before the first (a gauge with no value). */
  double lastPublishSeconds() {
    Instant at = lastPublish;
    return at == null ? Double.NaN : at.toEpochMilli() / 1000.0;
  }

  double versionOrNaN() {
    long v = version.get();
    return v < 0 ? Double.NaN : v;
  }

  AtomicLong backlog() {
    return backlog;
  }
}
