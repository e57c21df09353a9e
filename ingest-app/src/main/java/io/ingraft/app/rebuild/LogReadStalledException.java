package io.ingraft.app.rebuild;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * A rebuild read nothing for {@code timeout} while records it must replay were still ahead (the
 * broker went away, or the client cannot fetch): it stops instead of waiting forever. The graph
 * rebuilt so far is consistent; the same command with {@code --resume} continues it.
 */
public final class LogReadStalledException extends RuntimeException {
  private final Map<TopicPartition, Long> positions;
  private final Duration timeout;

  public LogReadStalledException(Map<TopicPartition, Long> positions, Duration timeout) {
    super("no graph-log record read for " + timeout + " at positions " + positions);
    this.positions = Map.copyOf(positions);
    this.timeout = timeout;
  }

  public Map<TopicPartition, Long> positions() {
    return positions;
  }

  public Duration timeout() {
    return timeout;
  }
}
