package io.ingraft.app.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures both stages' lag from the broker, every {@code interval} on its own thread: for each
 * partition this instance is assigned, the end of the log (read-committed, so transaction markers
 * and open transactions do not count) minus the offset the stage's group has committed. Stage 1
 * commits what it processed and the writer what it published, so a stalled stage shows a rising lag
 * even while its consumer fetches nothing (a paused consumer's own lag metric stands still).
 *
 * <p>It also decides whether the writer has taken over its partitions: a partition counts once the
 * writer group's committed offset reaches the end the partition had when it was assigned here. The
 * writer takes a graph over before it applies the graph's first batch, so by then every graph with
 * records pending at the assignment is taken over (and caught up).
 */
public final class LagProbe implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LagProbe.class);
  private static final long CALL_TIMEOUT_MS = 5_000;

  /** The end offset a writer partition had when it was assigned (the number of that rebalance). */
  private record Target(long rebalance, long offset) {}

  private final Admin admin;
  private final String stageOneGroup;
  private final String writerGroup;
  private final Supplier<Set<TopicPartition>> stageOnePartitions;
  private final PipelineMeters meters;
  private final MeterRegistry registry;
  private final ScheduledExecutorService thread;
  private final Map<String, AtomicLong> lagValues = new ConcurrentHashMap<>();
  private final Map<String, Gauge> lagGauges = new HashMap<>();
  private final Map<TopicPartition, Target> targets = new ConcurrentHashMap<>();
  private volatile Map<TopicPartition, Long> stageOneLag = Map.of();
  private volatile Map<TopicPartition, Long> writerLag = Map.of();
  private volatile boolean writerCaughtUp;
  private volatile boolean measured;
  private final AtomicLong stageOneAssigned = new AtomicLong();
  private final AtomicLong writerAssigned = new AtomicLong();

  /**
   * A probe that starts measuring at once.
   *
   * @param admin a client of the pipeline's cluster; the probe does not close it
   * @param stageOneGroup stage 1's application id (its consumer group)
   * @param writerGroup the writers' consumer group
   * @param stageOnePartitions the partitions stage 1's active tasks read on this instance
   * @param meters where the writer's assignment comes from
   */
  public LagProbe(
      Admin admin,
      String stageOneGroup,
      String writerGroup,
      Supplier<Set<TopicPartition>> stageOnePartitions,
      PipelineMeters meters,
      Duration interval) {
    this.admin = admin;
    this.stageOneGroup = stageOneGroup;
    this.writerGroup = writerGroup;
    this.stageOnePartitions = stageOnePartitions;
    this.meters = meters;
    this.registry = meters.registry();
    Gauge.builder("ingraft.assigned.partitions", stageOneAssigned, AtomicLong::doubleValue)
        .tag("stage", PipelineMeters.TOPOLOGY)
        .description("partitions assigned to this instance")
        .register(registry);
    Gauge.builder("ingraft.assigned.partitions", writerAssigned, AtomicLong::doubleValue)
        .tag("stage", PipelineMeters.WRITER)
        .description("partitions assigned to this instance")
        .register(registry);
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread t = new Thread(runnable, "ingraft-lag-probe");
              t.setDaemon(true);
              return t;
            });
    thread.scheduleWithFixedDelay(
        this::measureQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stage 1's lag per source (and repartition) partition at the last measurement. */
  public Map<TopicPartition, Long> stageOneLag() {
    return stageOneLag;
  }

  /** The writer's lag per graph-log partition at the last measurement. */
  public Map<TopicPartition, Long> writerLag() {
    return writerLag;
  }

  /** Stage 1's total lag, or -1 before the first measurement. */
  public long stageOneTotal() {
    return measured ? sum(stageOneLag) : -1;
  }

  /** The writer's total lag, or -1 before the first measurement. */
  public long writerTotal() {
    return measured ? sum(writerLag) : -1;
  }

  /**
   * Whether the writer has caught up, on every partition assigned to it, with the records that were
   * there when the partition was assigned (see the class doc).
   */
  public boolean writerTookOver() {
    return writerCaughtUp;
  }

  private void measureQuietly() {
    try {
      measure();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | KafkaException e) {
      // The broker is away or the groups do not exist yet: keep the last values.
      LOG.debug("lag measurement failed: {}", e.toString());
    } catch (RuntimeException e) {
      LOG.warn("lag measurement failed", e);
    }
  }

  private void measure() throws InterruptedException, ExecutionException, TimeoutException {
    Set<TopicPartition> stageOne = Set.copyOf(stageOnePartitions.get());
    Map<TopicPartition, Long> writer = meters.writerAssignment();
    Set<TopicPartition> all = new HashSet<>(stageOne);
    all.addAll(writer.keySet());
    Map<TopicPartition, Long> ends = offsets(all, OffsetSpec.latest());
    Map<TopicPartition, Long> stageOneCommitted = committed(stageOneGroup, stageOne);
    Map<TopicPartition, Long> writerCommitted = committed(writerGroup, writer.keySet());

    Map<TopicPartition, Long> s1 = lags(stageOne, ends, stageOneCommitted);
    Map<TopicPartition, Long> w = lags(writer.keySet(), ends, writerCommitted);

    boolean caughtUp = meters.writerJoined();
    targets.keySet().retainAll(writer.keySet());
    for (Map.Entry<TopicPartition, Long> assigned : writer.entrySet()) {
      TopicPartition partition = assigned.getKey();
      Long end = ends.get(partition);
      if (end == null) {
        caughtUp = false;
        continue;
      }
      Target target = targets.get(partition);
      if (target == null || target.rebalance() != assigned.getValue()) {
        target = new Target(assigned.getValue(), end);
        targets.put(partition, target);
      }
      Long committed = writerCommitted.get(partition);
      if (committed == null || committed < target.offset()) {
        caughtUp = false;
      }
    }
    stageOneLag = Map.copyOf(s1);
    writerLag = Map.copyOf(w);
    writerCaughtUp = caughtUp;
    stageOneAssigned.set(stageOne.size());
    writerAssigned.set(writer.size());
    publish(PipelineMeters.TOPOLOGY, s1);
    publish(PipelineMeters.WRITER, w);
    measured = true;
  }

  private static Map<TopicPartition, Long> lags(
      Set<TopicPartition> partitions,
      Map<TopicPartition, Long> ends,
      Map<TopicPartition, Long> committed) {
    Map<TopicPartition, Long> lags = new HashMap<>();
    for (TopicPartition partition : partitions) {
      Long end = ends.get(partition);
      Long at = committed.get(partition);
      if (end != null && at != null) {
        lags.put(partition, Math.max(0, end - at));
      }
    }
    return lags;
  }

  /**
   * The group's committed offsets of {@code partitions}; where it has none, the start of the log
   * (where a consumer with {@code auto.offset.reset=earliest} begins).
   */
  private Map<TopicPartition, Long> committed(String group, Set<TopicPartition> partitions)
      throws InterruptedException, ExecutionException, TimeoutException {
    if (partitions.isEmpty()) {
      return Map.of();
    }
    Map<TopicPartition, OffsetAndMetadata> offsets =
        admin
            .listConsumerGroupOffsets(group)
            .partitionsToOffsetAndMetadata()
            .get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    Map<TopicPartition, Long> committed = new HashMap<>();
    Set<TopicPartition> none = new HashSet<>();
    for (TopicPartition partition : partitions) {
      OffsetAndMetadata offset = offsets.get(partition);
      if (offset == null) {
        none.add(partition);
      } else {
        committed.put(partition, offset.offset());
      }
    }
    committed.putAll(offsets(none, OffsetSpec.earliest()));
    return committed;
  }

  private Map<TopicPartition, Long> offsets(Set<TopicPartition> partitions, OffsetSpec spec)
      throws InterruptedException, ExecutionException, TimeoutException {
    if (partitions.isEmpty()) {
      return Map.of();
    }
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    partitions.forEach(partition -> request.put(partition, spec));
    Map<TopicPartition, ListOffsetsResultInfo> result =
        admin
            .listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
            .all()
            .get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    Map<TopicPartition, Long> offsets = new HashMap<>();
    result.forEach((partition, info) -> offsets.put(partition, info.offset()));
    return offsets;
  }

  /** Updates the stage's lag gauges: one per partition assigned now, none for the others. */
  private void publish(String stage, Map<TopicPartition, Long> lags) {
    String prefix = stage + '\0';
    Set<String> live = new HashSet<>();
    for (Map.Entry<TopicPartition, Long> lag : lags.entrySet()) {
      String key = prefix + lag.getKey();
      live.add(key);
      AtomicLong value = lagValues.computeIfAbsent(key, k -> new AtomicLong());
      value.set(lag.getValue());
      lagGauges.computeIfAbsent(
          key,
          k ->
              Gauge.builder("ingraft.lag", value, AtomicLong::doubleValue)
                  .baseUnit("records")
                  .tags("stage", stage, "partition", lag.getKey().toString())
                  .description("records behind the end of an assigned partition")
                  .register(registry));
    }
    lagGauges
        .entrySet()
        .removeIf(
            entry -> {
              String key = entry.getKey();
              if (!key.startsWith(prefix) || live.contains(key)) {
                return false;
              }
              registry.remove(entry.getValue());
              lagValues.remove(key);
              return true;
            });
  }

  private static long sum(Map<TopicPartition, Long> lags) {
    long total = 0;
    for (long lag : lags.values()) {
      total += lag;
    }
    return total;
  }

  @Override
  public void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
