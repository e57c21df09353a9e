package io.ingraft.app.topology;

import io.ingraft.app.AppException;

/** Ingraft's topics could not be created, or did not get partition leaders in time. */
public final class TopicSetupException extends AppException {
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
