package io.ingraft.app.topology;

import io.ingraft.app.config.IngraftConfig;

/**
 * A source topic exists with another partition count than {@code ingraft.topic.partitions}, and
 * stage 1 runs keyed by graph ({@code ingraft.topology.keyed-by-graph}), which needs both source
 * topics to have exactly that count. A configuration error: retrying does not help; change the
 * setting, recreate the topic, or run in the default mode.
 */
public final class PartitionCountMismatchException extends TopicSetupException {
  private final int actual;
  private final int expected;

  public PartitionCountMismatchException(String topic, int actual, int expected) {
    super(
        topic,
        "has "
            + actual
            + " partitions, but stage 1 runs keyed by graph ("
            + IngraftConfig.KEYED_BY_GRAPH
            + "=true), which needs every source topic to have "
            + "ingraft.topic.partitions="
            + expected,
        null);
    this.actual = actual;
    this.expected = expected;
  }

  /** The topic's partition count. */
  public int actual() {
    return actual;
  }

  /** The configured partition count ({@code ingraft.topic.partitions}). */
  public int expected() {
    return expected;
  }
}
