package io.ingraft.app.rebuild;

import org.apache.kafka.common.TopicPartition;

/**
 * The graph log no longer starts where a rebuild must start reading it: retention (or a deletion of
 * records) removed offsets below {@code logStart} that the rebuilt graph has not applied, so the
 * log alone cannot rebuild it (docs/operations.md, "Rebuilding a graph from the log").
 */
public final class LogTruncatedException extends RuntimeException {
  private final TopicPartition partition;
  private final long logStart;
  private final long needed;

  public LogTruncatedException(TopicPartition partition, long logStart, long needed) {
    super(
        "graph log "
            + partition
            + " starts at offset "
            + logStart
            + " but the rebuild needs it from offset "
            + needed
            + ": records were removed (retention), so the log alone cannot rebuild the graph");
    this.partition = partition;
    this.logStart = logStart;
    this.needed = needed;
  }

  public TopicPartition partition() {
    return partition;
  }

  /** The partition's first offset still in the log. */
  public long logStart() {
    return logStart;
  }

  /** The first offset the rebuild has to read. */
  public long needed() {
    return needed;
  }
}
