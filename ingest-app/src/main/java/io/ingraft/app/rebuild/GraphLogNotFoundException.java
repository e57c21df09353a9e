package io.ingraft.app.rebuild;

/** The graph-log topic a rebuild was told to read does not exist on the cluster. */
public final class GraphLogNotFoundException extends RuntimeException {
  private final String topic;

  public GraphLogNotFoundException(String topic) {
    super("graph log topic " + topic + " does not exist (or is not visible to this client)");
    this.topic = topic;
  }

  public String topic() {
    return topic;
  }
}
