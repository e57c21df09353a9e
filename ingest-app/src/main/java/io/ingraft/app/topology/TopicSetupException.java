package io.ingraft.app.topology;

import io.ingraft.app.AppException;

/**
 * Ingraft's topics could not be created, did not get partition leaders in time, or (a {@link
 * PartitionCountMismatchException}) exist in a shape the configuration cannot run with.
 */
public sealed class TopicSetupException extends AppException
    permits PartitionCountMismatchException {
  private final String topic;

  public TopicSetupException(String topic, String problem, Throwable cause) {
    super("topic " + topic + ": " + problem, cause);
    this.topic = topic;
  }

  /** The topic at fault. */
  public String topic() {
    return topic;
  }
}
