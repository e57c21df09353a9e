package io.ingraft.app.writer;

import java.time.Instant;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;

/**
 * What the {@link GraphWriter} tells an observer (metrics, the status page) as it works. Every
 * method has a no-op default and is called on the writer's poll thread or a worker, so an
 * implementation must be thread-safe, cheap and must not throw.
 */
public interface WriterListener {
  /** Tells nothing to nobody. */
  WriterListener NONE = new WriterListener() {};

  /** The writer started with this consumer (for its client metrics). */
  default void started(Consumer<?, ?> consumer) {}

  /**
   * The writer made a transactional producer for its side outputs and offsets (at the first commit,
   * and again when one had to be replaced), for its client metrics.
   */
  default void producerCreated(Producer<?, ?> producer) {}

  /**
   * A rebalance assigned {@code added} graph-log partitions (possibly none: the writer is in the
   * group either way).
   */
  default void assigned(Collection<TopicPartition> added) {}

  /** {@code removed} partitions were revoked or lost. */
  default void released(Collection<TopicPartition> removed) {}

  /**
   * A sealed batch of {@code events} events of {@code graph}, read from {@code partition}, is
   * waiting to be applied.
   */
  default void batchQueued(String graph, TopicPartition partition, int events) {}

  /** A queued batch left the backlog: published, fenced or dropped. */
  default void batchSettled(String graph, int events) {}

  /**
   * One engine apply returned after {@code nanos}: {@code applied} events applied and {@code
   * skipped} skipped (rejections are reported one by one through {@link #rejected}).
   */
  default void applied(String graph, int applied, int skipped, long nanos) {}

  /** The engine rejected an event of {@code graph} with {@code code}. */
  default void rejected(String graph, String code) {}

  /**
   * {@code graph} published {@code version} at {@code at}; {@code oldestEventMillis} is the oldest
   * event timestamp in it, or null when none had one.
   */
  default void published(String graph, long version, Instant at, Long oldestEventMillis) {}

  /**
   * Sealed batches of {@code graph} with {@code events} events in all went through in {@code
   * nanos}: applied, published, their dead letters and commit notice acknowledged.
   */
  default void batchesApplied(String graph, int events, long nanos) {}

  /** A dead letter with {@code code} was committed (in the writer's Kafka transaction). */
  default void deadLettered(String code) {}

  /** A commit notice of {@code graph} was committed (in the writer's Kafka transaction). */
  default void commitNoticeSent(String graph) {}

  /** A batch of {@code graph} failed and was scheduled again. */
  default void retried(String graph) {}

  /** Another owner claimed {@code graph}: this writer's batches of it were dropped. */
  default void fenced(String graph) {}
}
