package io.ingraft.it.kafka;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The five topic-name settings of a test's own pipeline, {@code <prefix>.mutations} and so on, so
 * that tests sharing one broker never share a topic.
 */
public final class TopicSettings {
  private TopicSettings() {}

  /** {@code ingraft.topic.*} for mutations, loads, graph log, dead letters and commits. */
  public static Map<String, String> prefixed(String prefix) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("ingraft.topic.mutations", prefix + ".mutations");
    settings.put("ingraft.topic.loads", prefix + ".loads");
    settings.put("ingraft.topic.graph-log", prefix + ".graph-log");
    settings.put("ingraft.topic.dlq", prefix + ".dlq");
    settings.put("ingraft.topic.commits", prefix + ".commits");
    return settings;
  }
}
