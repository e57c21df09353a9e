package io.ingraft.app.writer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads single graph-log records by offset, outside the writer's group: the original bytes of a
 * rejected event whose dead letter a takeover re-sends, when the event lies below the offset the
 * writer re-reads from. Rarely used, so its consumer is opened on first use. Thread-safe.
 */
final class GraphLogReader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GraphLogReader.class);
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

  private final Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers;
  private final Map<String, Object> props;
  private Consumer<byte[], byte[]> consumer;

  /**
   * @param props consumer properties (read_committed, byte arrays); the group id is removed
   */
  GraphLogReader(
      Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers,
      Map<String, Object> props) {
    this.consumers = consumers;
    this.props = props;
  }

  /** The record at {@code offset}, or empty when it is gone (retention) or cannot be read. */
  synchronized Optional<ConsumerRecord<byte[], byte[]>> read(
      TopicPartition partition, long offset) {
    try {
      if (consumer == null) {
        consumer = consumers.apply(props);
      }
      consumer.assign(List.of(partition));
      consumer.seek(partition, offset);
      long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.offset() == offset) {
            return Optional.of(record);
          }
          if (record.offset() > offset) {
            return Optional.empty();
          }
        }
      }
      LOG.warn("{}@{}: not read within {}", partition, offset, READ_TIMEOUT);
    } catch (KafkaException | IllegalStateException e) {
      LOG.warn("{}@{}: cannot read it: {}", partition, offset, e.toString());
    }
    return Optional.empty();
  }

  @Override
  public synchronized void close() {
    if (consumer != null) {
      try {
        consumer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        LOG.debug("graph-log reader close failed", e);
      }
      consumer = null;
    }
  }
}
