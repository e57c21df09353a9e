package io.ingraft.app.rebuild;

/**
 * How far a running {@link LogReplay} is, reported at a fixed interval and once at the end: records
 * read out of the records it has to read (every partition, from where it started to the log's end
 * then; counted in offsets, so Kafka's transaction markers count too), and what it has applied so
 * far.
 */
public record ReplayProgress(
    String graph,
    long recordsRead,
    long recordsTotal,
    long batches,
    long eventsApplied,
    long version,
    long elapsedMs) {

  /** Percentage of the records read, 0 to 100. */
  public int percent() {
    return recordsTotal <= 0 ? 100 : (int) Math.min(100, recordsRead * 100 / recordsTotal);
  }
}
