package io.ingraft.app.metrics;

import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.common.TopicPartition;

/**
 * A snapshot of what this instance knows of one graph it writes.
 *
 * @param graph the graph id
 * @param partition the graph-log partition it is read from
 * @param version the latest manifest version this instance published, or -1
 * @param backlogEvents sealed events read and not yet published
 * @param freshness the freshness of the last published version with event timestamps, or null
 * @param lastPublish when this instance last published a version, or null
 */
public record GraphView(
    String graph,
    TopicPartition partition,
    long version,
    long backlogEvents,
    Duration freshness,
    Instant lastPublish) {}
