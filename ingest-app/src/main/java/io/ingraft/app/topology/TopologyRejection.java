package io.ingraft.app.topology;

/**
 * Why stage 1 dead-lettered a record that the event codec did not refuse on its own terms (those
 * carry the codec's {@link io.ingraft.events.DecodeError} name instead). The constant names go into
 * the {@code ingraft.reason.code} header and dashboards, so they are only ever added to.
 */
public enum TopologyRejection {
  /** The graph id is missing or not a valid graph id ({@code GraphId.of} refuses it). */
  BAD_GRAPH_ID("the graph id is missing or invalid"),
  /** The record has a key, and it is not the event's graph id (UTF-8). */
  KEY_MISMATCH("the Kafka key is not the event's graph id"),
  /** The event id is missing, empty, too long or not a string. */
  MISSING_EVENT_ID("the event has no usable event id"),
  /** Keyed-by-graph mode only: the record has no key (stage 1 relies on producers' keys). */
  MISSING_RECORD_KEY("the record has no Kafka key, and stage 1 runs keyed by graph"),
  /**
   * The record (key, value and headers) is larger than stage 1 forwards ({@link
   * io.ingraft.app.dlq.RecordLimits#MAX_FORWARDED_BYTES}): its dead letter leaves them out and
   * names where the original is.
   */
  RECORD_TOO_LARGE("the record is too large for the pipeline's topics"),
  /** Processing the record failed unexpectedly; the record may be fine (see the message). */
  PROCESSING_FAILED("stage 1 failed on this record unexpectedly"),
  /**
   * Keyed-by-graph mode only: the key is the graph id, but the record is not in the partition
   * Kafka's default partitioner picks for that key among {@code ingraft.topic.partitions}.
   */
  WRONG_PARTITION(
      "the record is not in its key's default partition, and stage 1 runs keyed by" + " graph");

  private final String description;

  TopologyRejection(String description) {
    this.description = description;
  }

  /** One line for a table or a log: what the code means. */
  public String description() {
    return description;
  }
}
