package io.ingraft.events;

/**
 * The default names of Ingraft's topics and the record each carries. Every topic is keyed by the
 * graph id (UTF-8), so all records of a graph stay in one partition and in order. The ingest app
 * may rename them in its configuration; these are the names docs/events.md uses.
 */
public final class EventTopics {
  /** {@link io.ingraft.events.avro.GraphEvent}s with mutation and schema bodies, from producers. */
  public static final String MUTATIONS = "ingraft.mutations";

  /** {@link io.ingraft.events.avro.GraphEvent}s with load bodies, from producers. */
  public static final String LOADS = "ingraft.loads";

  /** {@link io.ingraft.events.avro.GraphLogRecord}s: the canonical, event-sourced log. */
  public static final String GRAPH_LOG = "ingraft.graph-log";

  /** {@link io.ingraft.events.avro.CommitNotice}s: one per published manifest version. */
  public static final String COMMITS = "ingraft.commits";

  /** Records that failed to decode or validate, as received, with reason headers. */
  public static final String DLQ = "ingraft.dlq";

  private EventTopics() {}

  /** The registry subject of a topic's values (TopicNameStrategy): {@code <topic>-value}. */
  public static String valueSubject(String topic) {
    return topic + "-value";
  }
}
