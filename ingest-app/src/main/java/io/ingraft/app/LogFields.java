package io.ingraft.app;

import org.slf4j.MDC;

/**
 * The structured fields log lines carry where they apply (SLF4J's MDC): {@code graph}, {@code
 * partition} (topic-partition, as Kafka prints it) and {@code offset}. Set by the writer around a
 * graph's batch and by stage 1 around each line it writes about a record ({@link #scope}); the JSON
 * log format shows them under {@code mdc}, the text format in brackets. docs/operations.md, "Logs",
 * lists them.
 */
public final class LogFields {
  public static final String GRAPH = "graph";
  public static final String PARTITION = "partition";
  public static final String OFFSET = "offset";

  private LogFields() {}

  /** Sets the fields for the work that follows on this thread (null leaves one unset). */
  public static void set(String graph, String partition, Long offset) {
    put(GRAPH, graph);
    put(PARTITION, partition);
    put(OFFSET, offset == null ? null : offset.toString());
  }

  /** Sets the graph once it is known. */
  public static void graph(String graph) {
    put(GRAPH, graph);
  }

  /**
   * Sets the fields until the returned scope is closed, for the lines about one record. Stage 1
   * writes a line for a few records only and sets nothing for the others: six MDC updates per
   * record were a tenth of its stream thread's time.
   */
  public static Scope scope(String graph, String partition, Long offset) {
    set(graph, partition, offset);
    return LogFields::clear;
  }

  /** Fields set by {@link #scope}; closing removes them. */
  @FunctionalInterface
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  /** Removes the fields: the thread's next work is about something else. */
  public static void clear() {
    MDC.remove(GRAPH);
    MDC.remove(PARTITION);
    MDC.remove(OFFSET);
  }

  private static void put(String key, String value) {
    if (value == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, value);
    }
  }
}
