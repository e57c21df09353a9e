package io.ingraft.app.writer;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.dlq.DeadLetterHeaders;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.events.avro.Seal;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.FencedException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 2 of the pipeline: a plain Kafka consumer group on the canonical graph log that applies
 * each graph's events between two seals as one batch through the {@link GraphEngine}, and commits
 * Kafka offsets only for records whose batch is published (in a manifest version) or
 * dead-lettered. A crash at any point therefore re-delivers every record that might not be
 * published, and the engine skips the ones that were: each event takes effect exactly once.
 *
 * <p>Threads: {@link #start()} runs the poll loop on its own thread, which owns the consumer, the
 * per-partition {@link PartitionProgress} and the per-graph buffers, and is the only thread that
 * commits. Sealed batches go to a pool of {@code writer.threads} workers, one batch of a graph at
 * a time and in log order ({@link GraphLane}), different graphs in parallel. Workers report back
 * through a queue the poll thread drains. The rebalance listener (called inside {@code poll})
 * takes graphs over lazily, before their first batch after an assignment; on a revocation it
 * waits for running batches, commits and releases; on a loss it drops everything.
 *
 * <p>Failures: a {@link FencedException} means another owner took the graph over, so its batches
 * are dropped and its records stay uncommitted. Normally a rebalance then takes the partition
 * away; if the partition is still assigned here after {@code fenceGrace}, the claim came from
 * outside the group (an operator's {@code ingraft graph recover}), and the writer re-reads the
 * partition from its first unpublished record and takes its graphs over again. Any other
 * exception retries the batch with capped exponential backoff, holding its offsets back.
 *
 * <p>The consumer is paused while more than {@code writer.max-buffered-events} events are held
 * and batches are being applied, and polled throughout so it stays in the group.
 * {@link #close()} stops gracefully: running batches finish (bounded), queued ones are dropped,
 * and only published work is committed.
 */
public final class GraphWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GraphWriter.class);
  /** The dead-letter code of a graph-log record that does not decode. */
  public static final String BAD_LOG_RECORD = "BAD_LOG_RECORD";

  /**
   * Timing of the writer.
   *
   * @param pollTimeout longest a poll blocks, so completions and commits are never held up long
   * @param commitInterval how often published progress is committed (and on revoke and close)
   * @param retryBackoff the first retry delay of a failed batch; it doubles per failure
   * @param maxRetryBackoff the cap of the retry delay
   * @param drainTimeout how long a revocation or close waits for running batches
   * @param sendTimeout how long a worker waits for a dead letter or commit notice to be acked
   * @param fenceGrace how long a partition with a fenced graph waits for the rebalance that
   *     should take it away before the writer re-reads it and claims its graphs again; longer
   *     than the group's session timeout, so that a writer that was really replaced learns it
   *     first
   */
  public record Options(Duration pollTimeout, Duration commitInterval, Duration retryBackoff,
      Duration maxRetryBackoff, Duration drainTimeout, Duration sendTimeout,
      Duration fenceGrace) {

    /** The defaults of the configuration ({@link IngraftConfig.WriterTiming#DEFAULT}). */
    public static Options defaults() {
      return of(IngraftConfig.WriterTiming.DEFAULT);
    }

    /** The timing the configuration sets ({@code ingraft.writer.*-ms}). */
    public static Options of(IngraftConfig.WriterTiming timing) {
      return new Options(timing.pollTimeout(), timing.commitInterval(), timing.retryBackoff(),
          timing.maxRetryBackoff(), timing.drainTimeout(), timing.sendTimeout(),
          timing.fenceGrace());
    }
  }

  private enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  /** A graph's open (not yet sealed) events on one partition. */
  private record StreamKey(TopicPartition partition, String graph) {
  }

  private final IngraftConfig config;
  private final GraphEngine engine;
  private final Options options;
  private final Producer<byte[], byte[]> producer;
  private final boolean ownsProducer;
  private final Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers;
  private final String graphLogTopic;
  private final GraphLogCodec codec = new GraphLogCodec();
  private final EventMapper mapper;
  private final BatchApplier applier;
  private final WriterCounters counters = new WriterCounters();
  private final ScheduledThreadPoolExecutor workers;
  private final ConcurrentLinkedQueue<Runnable> pollThreadTasks = new ConcurrentLinkedQueue<>();
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
  private final AtomicLong outstandingEvents = new AtomicLong();
  private final AtomicInteger outstandingBatches = new AtomicInteger();
  private volatile boolean stopping;
  private volatile Thread pollThread;
  private volatile int bufferedEventsSnapshot;
  private volatile int assignedPartitions;
  private volatile long lag = -1;

  // Owned by the poll thread.
  private Consumer<byte[], byte[]> consumer;
  private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
  private final Map<StreamKey, List<BufferedEvent>> buffers = new HashMap<>();
  private final Map<String, GraphLane> lanes = new HashMap<>();
  /** Partitions with a fenced graph, and when (nanoTime) to re-read them if still assigned. */
  private final Map<TopicPartition, Long> fencedPartitions = new HashMap<>();
  private int bufferedEvents;
  private boolean paused;
  private long lastCommitNanos;

  /**
   * A writer with its own producer (for dead letters and commit notices), built from the config's
   * Kafka settings and closed with the writer, and the config's timing.
   */
  public GraphWriter(IngraftConfig config, GraphEngine engine, Clock clock) {
    this(config, engine, clock, Options.of(config.writer().timing()));
  }

  /** A writer with its own producer (see above) and the given timing. */
  public GraphWriter(IngraftConfig config, GraphEngine engine, Clock clock, Options options) {
    this(config, engine, new KafkaProducer<>(producerProps(config), new ByteArraySerializer(),
        new ByteArraySerializer()), true, clock, options, KafkaConsumer::new);
  }

  /**
   * A writer that sends dead letters and commit notices through {@code producer}, which the
   * caller keeps and closes.
   */
  public GraphWriter(IngraftConfig config, GraphEngine engine, Producer<byte[], byte[]> producer,
      Clock clock, Options options) {
    this(config, engine, producer, false, clock, options, KafkaConsumer::new);
  }

  /** For tests: the consumer comes from {@code consumers}, given the consumer properties. */
  GraphWriter(IngraftConfig config, GraphEngine engine, Producer<byte[], byte[]> producer,
      boolean ownsProducer, Clock clock, Options options,
      Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers) {
    this.config = config;
    this.engine = engine;
    this.producer = producer;
    this.ownsProducer = ownsProducer;
    this.options = options;
    this.consumers = consumers;
    this.graphLogTopic = config.topics().graphLog();
    this.mapper = new EventMapper(graphLogTopic);
    this.applier = new BatchApplier(engine, producer, graphLogTopic, config.topics().dlq(),
        config.topics().commits(), clock, options.sendTimeout(), counters);
    this.workers = new ScheduledThreadPoolExecutor(config.writer().threads(),
        threadFactory("ingraft-writer-worker-"));
    this.workers.setRemoveOnCancelPolicy(true);
    // A retry waiting out its backoff is dropped at shutdown, not run.
    this.workers.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /** The properties of the writer's consumer: the config's Kafka settings plus what it needs. */
  public static Map<String, Object> consumerProps(IngraftConfig config) {
    Map<String, Object> props = config.kafkaClientProps();
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, config.writer().id() + "-consumer");
    // Not overridable: they are what makes the commit-after-publish protocol hold.
    props.put(ConsumerConfig.GROUP_ID_CONFIG, config.writer().groupId());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
        ByteArrayDeserializer.class.getName());
    return props;
  }

  /** The properties of the producer the writer builds for itself. */
  public static Map<String, Object> producerProps(IngraftConfig config) {
    Map<String, Object> props = config.kafkaClientProps();
    props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, config.writer().id() + "-producer");
    // A worker waits for the acknowledgement of each commit notice before it reports its batch
    // published: any linger here is added to every apply.
    props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    return props;
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * Subscribes to the graph log and starts the poll loop on its own thread.
   *
   * @throws IllegalStateException if the writer was started or closed before
   */
  public void start() {
    if (!state.compareAndSet(State.NEW, State.RUNNING)) {
      throw new IllegalStateException("graph writer already " + state.get());
    }
    consumer = consumers.apply(consumerProps(config));
    Thread thread = new Thread(this::pollLoop, "ingraft-writer-poll");
    thread.setDaemon(false);
    pollThread = thread;
    thread.start();
    LOG.info("graph writer {} started: group {}, topic {}, {} worker(s)", config.writer().id(),
        config.writer().groupId(), graphLogTopic, config.writer().threads());
  }

  /** Whether the poll loop is running (started, and neither closed nor stopped by an error). */
  public boolean isRunning() {
    Thread thread = pollThread;
    return state.get() == State.RUNNING && thread != null && thread.isAlive();
  }

  /**
   * Stops the writer: running batches finish (up to the drain timeout), queued and buffered ones
   * are dropped, published progress is committed, and the consumer leaves the group. Safe to call
   * more than once, and from any thread.
   */
  @Override
  public void close() {
    State before = state.getAndSet(State.CLOSED);
    if (before == State.CLOSED) {
      return;
    }
    stopping = true;
    Thread thread = pollThread;
    if (thread == null) {
      // Never started: nothing to drain.
      workers.shutdownNow();
      if (ownsProducer) {
        producer.close(Duration.ofSeconds(10));
      }
      return;
    }
    if (thread != Thread.currentThread()) {
      try {
        thread.join(options.drainTimeout().plusSeconds(30).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (thread.isAlive()) {
        LOG.warn("graph writer poll thread did not stop in time");
      }
    }
  }

  /** What the writer has done so far. */
  public WriterStats stats() {
    return new WriterStats(counters.recordsRead.get(), counters.batches.get(),
        counters.applies.get(),
        counters.eventsApplied.get(), counters.eventsRejected.get(), counters.eventsSkipped.get(),
        counters.deadLetters.get(), counters.commitNotices.get(), counters.retries.get(),
        counters.fencedBatches.get(), bufferedEventsSnapshot + outstandingEvents.get(),
        assignedPartitions, lag, counters.lastPublish);
  }

  // ---------------------------------------------------------------------------------------------
  // The poll loop

  private void pollLoop() {
    try {
      consumer.subscribe(List.of(graphLogTopic), new Rebalances());
      lastCommitNanos = System.nanoTime();
      while (!stopping) {
        runPollThreadTasks();
        if (System.nanoTime() - lastCommitNanos >= options.commitInterval().toNanos()) {
          commit(progress.keySet());
          lastCommitNanos = System.nanoTime();
        }
        restartFencedPartitions();
        applyBackpressure();
        ConsumerRecords<byte[], byte[]> records = consumer.poll(options.pollTimeout());
        for (TopicPartition partition : records.partitions()) {
          for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
            accept(partition, record);
          }
        }
        records.nextOffsets().forEach((partition, next) -> {
          PartitionProgress p = progress.get(partition);
          if (p != null) {
            p.fetchedTo(next.offset());
          }
        });
        bufferedEventsSnapshot = bufferedEvents;
        updateLag();
      }
    } catch (RuntimeException | Error e) {
      LOG.error("graph writer stopped by an error", e);
    } finally {
      shutdown();
    }
  }

  /** Reads one graph-log record: buffers an event, dispatches a sealed batch. */
  private void accept(TopicPartition partition, ConsumerRecord<byte[], byte[]> record) {
    PartitionProgress p = progress.computeIfAbsent(partition, k -> new PartitionProgress());
    if (!p.seen(record.offset())) {
      LOG.debug("{}@{} read again; already tracked", partition, record.offset());
      return;
    }
    counters.recordsRead.incrementAndGet();
    GraphLogRecord decoded;
    try {
      if (record.value() == null) {
        throw new IllegalArgumentException("record has no value");
      }
      decoded = codec.decode(record.value());
    } catch (RuntimeException e) {
      deadLetterBadRecord(partition, p, record, e.getMessage());
      return;
    }
    if (decoded.getEntry() instanceof Seal seal) {
      sealed(partition, p, record.offset(), seal);
      return;
    }
    LoggedEvent logged = (LoggedEvent) decoded.getEntry();
    GraphEvent event;
    try {
      event = mapper.map(logged, partition.partition(), record.offset());
      GraphId.of(event.graph());
    } catch (RuntimeException e) {
      deadLetterBadRecord(partition, p, record, "cannot map the event: " + e.getMessage());
      return;
    }
    GraphLane lane = lanes.get(event.graph());
    if (lane != null && lane.fenced()) {
      // Another owner has the graph: leave the record pending (never committed by us).
      return;
    }
    buffers.computeIfAbsent(new StreamKey(partition, event.graph()), k -> new ArrayList<>())
        .add(new BufferedEvent(record.offset(), record.key(), record.value(), event));
    bufferedEvents++;
  }

  /** A seal closes the graph's open events on this partition into a batch. */
  private void sealed(TopicPartition partition, PartitionProgress p, long offset, Seal seal) {
    String graph = seal.getGraph();
    List<BufferedEvent> events = buffers.remove(new StreamKey(partition, graph));
    if (events != null) {
      bufferedEvents -= events.size();
    }
    GraphLane lane = lanes.computeIfAbsent(graph,
        g -> new GraphLane(g, partition, config.writer().maxBatchEvents()));
    if (lane.fenced()) {
      return;
    }
    if (events == null || events.isEmpty()) {
      p.published(offset);
      return;
    }
    if (events.size() != seal.getEventCount()) {
      // After a restart or rebalance the log is re-read from the committed offset, which can lie
      // inside a batch that was published already: those events are skipped by the engine.
      LOG.debug("graph {}: seal {} at {}@{} closes {} events, it counted {}", graph,
          seal.getSequence(), partition, offset, events.size(), seal.getEventCount());
    }
    PendingBatch batch = new PendingBatch(graph, partition, p, events, offset, seal.getSequence());
    outstandingEvents.addAndGet(batch.size());
    outstandingBatches.incrementAndGet();
    switch (lane.offer(batch)) {
      case START -> {
        try {
          workers.execute(() -> runLane(lane));
        } catch (RejectedExecutionException e) {
          // Only while shutting down: the batch stays unpublished and uncommitted.
          settle(batch);
        }
      }
      case QUEUED -> {
      }
      case FENCED -> settle(batch);
      default -> throw new IllegalStateException();
    }
  }

  private void deadLetterBadRecord(TopicPartition partition, PartitionProgress p,
      ConsumerRecord<byte[], byte[]> record, String reason) {
    String graph = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    LOG.warn("{}@{}: undecodable graph-log record (graph {}): {}", partition, record.offset(),
        graph, reason);
    Headers headers = DeadLetterHeaders.of(BatchApplier.STAGE, BAD_LOG_RECORD, reason,
        partition.topic(), partition.partition(), record.offset(), graph, null);
    long offset = record.offset();
    Runnable done = () -> p.published(offset);
    try {
      producer.send(new ProducerRecord<>(config.topics().dlq(), null, record.key(),
          record.value(), headers), (metadata, error) -> {
            if (error != null) {
              LOG.error("cannot dead-letter {}@{}; it is lost", partition, offset, error);
            } else {
              counters.deadLetters.incrementAndGet();
            }
            // Published either way: holding the partition back forever would stop every graph.
            pollThreadTasks.add(done);
          });
    } catch (RuntimeException e) {
      LOG.error("cannot dead-letter {}@{}; it is lost", partition, offset, e);
      done.run();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Workers

  /** Applies a lane's batches until it has none; reschedules itself after a failure. */
  private void runLane(GraphLane lane) {
    while (true) {
      GraphLane.Work work = lane.take(stopping);
      if (work == null) {
        return;
      }
      PendingBatch first = work.first();
      if (first.progress().retired()) {
        // Its partition was revoked or lost (every batch of a work shares the assignment):
        // whoever owns it now re-reads these records.
        lane.finished();
        work.batches().forEach(this::settle);
        continue;
      }
      boolean tookOver = false;
      try {
        if (work.takeOver()) {
          takeOver(first.graph());
        }
        tookOver = true;
        applier.apply(work.batches());
        // Reported before the lane goes idle: a revocation waiting for the lane then finds the
        // report and commits the batches' offsets.
        pollThreadTasks.add(() -> work.batches().forEach(this::published));
        work.batches().forEach(this::settle);
        lane.finished();
      } catch (Throwable e) {
        FencedException fenced = fencedCause(e);
        if (fenced != null) {
          List<PendingBatch> dropped = lane.fence();
          work.batches().forEach(this::settle);
          dropped.forEach(this::settle);
          int batches = work.batches().size() + dropped.size();
          counters.fencedBatches.addAndGet(batches);
          LOG.warn("graph {}: fenced by a newer owner (epoch {}, ours {}); dropping {} batch(es)"
              + " from {}@{}, leaving them uncommitted for the new owner", first.graph(),
              fenced.actualEpoch(), fenced.expectedEpoch(), batches, first.partition(),
              first.firstOffset());
          pollThreadTasks.add(() -> fenced(first));
          return;
        }
        retryLater(lane, work, work.takeOver() && !tookOver, e);
        return;
      }
    }
  }

  private void retryLater(GraphLane lane, GraphLane.Work work, boolean takeOverAgain,
      Throwable error) {
    int failures = lane.failures() + 1;
    long delay = backoffMillis(failures);
    counters.retries.incrementAndGet();
    String graph = work.first().graph();
    if (error instanceof Error) {
      LOG.error("graph {}: {} failed (attempt {}); retrying in {} ms", graph, work, failures,
          delay, error);
    } else if (failures == 1) {
      LOG.warn("graph {}: {} failed; retrying in {} ms", graph, work, delay, error);
    } else {
      // The stack trace was logged with the first failure of the streak.
      LOG.warn("graph {}: {} failed again (attempt {}): {}; retrying in {} ms", graph, work,
          failures, error.toString(), delay);
    }
    try {
      lane.failed(work, takeOverAgain,
          () -> workers.schedule(() -> runLane(lane), delay, TimeUnit.MILLISECONDS));
    } catch (RejectedExecutionException shuttingDown) {
      lane.take(true);
      work.batches().forEach(this::settle);
    }
  }

  long backoffMillis(int failures) {
    long base = options.retryBackoff().toMillis();
    long cap = options.maxRetryBackoff().toMillis();
    int shift = Math.min(failures - 1, 30);
    return Math.min(cap, base << shift);
  }

  private void takeOver(String graph) {
    GraphId id = GraphId.of(graph);
    if (!engine.exists(id)) {
      // Nothing to claim yet: the batch's schema event creates the graph, and the engine takes
      // over what it creates.
      return;
    }
    int recovered = engine.takeOver(id).size();
    LOG.info("graph {}: taken over by {} ({} interrupted operation(s) recovered)", graph,
        engine.writerId(), recovered);
  }

  private static FencedException fencedCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof FencedException fenced) {
        return fenced;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  /** A batch left the outstanding set (applied, fenced or dropped). */
  private void settle(PendingBatch batch) {
    outstandingEvents.addAndGet(-batch.size());
    outstandingBatches.decrementAndGet();
  }

  // ---------------------------------------------------------------------------------------------
  // Poll-thread bookkeeping

  private void runPollThreadTasks() {
    Runnable task;
    while ((task = pollThreadTasks.poll()) != null) {
      task.run();
    }
  }

  /** A batch is published: its records (events and seal) no longer hold the commit back. */
  private void published(PendingBatch batch) {
    PartitionProgress p = batch.progress();
    if (p.retired()) {
      return;
    }
    for (BufferedEvent event : batch.events()) {
      p.published(event.offset());
    }
    p.published(batch.sealOffset());
  }

  /** Starts the fence grace of the batch's partition, unless it is stale or already running. */
  private void fenced(PendingBatch batch) {
    if (batch.progress().retired() || progress.get(batch.partition()) != batch.progress()) {
      return;
    }
    fencedPartitions.putIfAbsent(batch.partition(),
        System.nanoTime() + options.fenceGrace().toNanos());
  }

  /**
   * Re-reads partitions whose fence grace is over while they are still assigned here: the claim
   * that fenced a graph did not come with a rebalance, so nobody else in the group will write
   * the partition's graphs. Everything of the partition is dropped as on a revocation, and the
   * consumer goes back to the first unpublished record; the graphs are taken over again before
   * their next batch.
   */
  private void restartFencedPartitions() {
    if (fencedPartitions.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    Set<TopicPartition> due = new HashSet<>();
    fencedPartitions.forEach((partition, at) -> {
      if (now - at >= 0) {
        due.add(partition);
      }
    });
    for (TopicPartition partition : due) {
      fencedPartitions.remove(partition);
      PartitionProgress p = progress.get(partition);
      if (p == null) {
        continue;
      }
      Set<TopicPartition> one = Set.of(partition);
      dropQueued(one);
      awaitNotApplying(one);
      runPollThreadTasks();
      commit(one);
      OptionalLong from = p.committable();
      forget(one, "re-read after a fence");
      progress.put(partition, new PartitionProgress());
      if (from.isPresent()) {
        consumer.seek(partition, from.getAsLong());
      }
      LOG.warn("{}: a graph of it was fenced {} ago and the partition is still assigned here;"
          + " re-reading it from offset {} and taking its graphs over again", partition,
          options.fenceGrace(), from.isPresent() ? from.getAsLong() : "(committed)");
    }
  }

  /** Commits, for each of {@code partitions}, the offset below its first unpublished record. */
  private void commit(Collection<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition partition : partitions) {
      PartitionProgress p = progress.get(partition);
      if (p == null) {
        continue;
      }
      if (p.pending() == 0 && p.lastSeen() >= 0) {
        try {
          // Past trailing transaction markers, which are never delivered.
          p.fetchedTo(consumer.position(partition, Duration.ZERO));
        } catch (KafkaException | IllegalStateException e) {
          // Unknown right now; last seen + 1 will do.
        }
      }
      OptionalLong next = p.toCommit();
      if (next.isPresent()) {
        offsets.put(partition, new OffsetAndMetadata(next.getAsLong()));
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    try {
      consumer.commitSync(offsets, Duration.ofSeconds(10));
      offsets.forEach((partition, offset) -> progress.get(partition).committed(offset.offset()));
      LOG.debug("committed {}", offsets);
    } catch (KafkaException e) {
      // Rebalancing, coordinator moving, timeout: the revocation or the next interval commits.
      LOG.info("commit of {} deferred: {}", offsets, e.toString());
    }
  }

  private void applyBackpressure() {
    long held = bufferedEvents + outstandingEvents.get();
    int max = config.writer().maxBufferedEvents();
    // Only batches being applied free memory: pausing while none are (every held event waiting
    // for its seal) would wait forever for seals that the pause keeps out.
    boolean draining = outstandingBatches.get() > 0;
    if (!paused && held > max && draining) {
      paused = true;
      LOG.info("pausing the graph log: {} events held (limit {})", held, max);
    } else if (paused && (held <= max / 2 || !draining)) {
      paused = false;
      consumer.resume(consumer.paused());
      LOG.info("resuming the graph log: {} events held", held);
    }
    if (paused) {
      // Again every loop: partitions assigned by a rebalance start unpaused.
      consumer.pause(consumer.assignment());
    }
  }

  private void updateLag() {
    long total = 0;
    for (TopicPartition partition : consumer.assignment()) {
      OptionalLong partitionLag = consumer.currentLag(partition);
      if (partitionLag.isEmpty()) {
        total = -1;
        break;
      }
      total += partitionLag.getAsLong();
    }
    lag = total;
    assignedPartitions = consumer.assignment().size();
  }

  /** Forgets partitions that are no longer ours: their records, buffers and graphs. */
  private void forget(Set<TopicPartition> partitions, String why) {
    fencedPartitions.keySet().removeAll(partitions);
    for (TopicPartition partition : partitions) {
      PartitionProgress p = progress.remove(partition);
      if (p != null) {
        p.retire();
      }
    }
    for (Iterator<Map.Entry<StreamKey, List<BufferedEvent>>> it = buffers.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<StreamKey, List<BufferedEvent>> entry = it.next();
      if (partitions.contains(entry.getKey().partition())) {
        bufferedEvents -= entry.getValue().size();
        it.remove();
      }
    }
    int released = 0;
    for (Iterator<GraphLane> it = lanes.values().iterator(); it.hasNext(); ) {
      GraphLane lane = it.next();
      if (partitions.contains(lane.partition())) {
        engine.release(GraphId.of(lane.graph()));
        lane.resetOwnership();
        released++;
        if (lane.idle()) {
          it.remove();
        }
      }
    }
    bufferedEventsSnapshot = bufferedEvents;
    LOG.info("partitions {} {}: {} graph(s) released", partitions, why, released);
  }

  private void dropQueued(Set<TopicPartition> partitions) {
    for (GraphLane lane : lanes.values()) {
      lane.dropQueued(partitions).forEach(this::settle);
    }
  }

  private void awaitNotApplying(Set<TopicPartition> partitions) {
    long deadline = System.nanoTime() + options.drainTimeout().toNanos();
    for (GraphLane lane : lanes.values()) {
      try {
        if (!lane.awaitNotApplying(partitions, deadline)) {
          LOG.warn("graph {}: a batch is still being applied after {}; its records stay"
              + " uncommitted", lane.graph(), options.drainTimeout());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Called by {@code poll} on the poll thread. Never throws: that would fail the poll. */
  private final class Rebalances implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      for (TopicPartition partition : partitions) {
        progress.putIfAbsent(partition, new PartitionProgress());
      }
      if (!partitions.isEmpty()) {
        LOG.info("partitions {} assigned; their graphs are taken over before their first batch",
            partitions);
      }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      Set<TopicPartition> revoked = Set.copyOf(partitions);
      try {
        // Batches not started are dropped: the next owner re-reads them from the committed
        // offset. Running ones finish, so that what they publish is committed here.
        dropQueued(revoked);
        awaitNotApplying(revoked);
        runPollThreadTasks();
        commit(revoked);
      } catch (RuntimeException e) {
        LOG.warn("revocation of {}: commit failed", revoked, e);
      } finally {
        forget(revoked, "revoked");
      }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      Set<TopicPartition> lost = Set.copyOf(partitions);
      try {
        // Another member may own them already: commit nothing, drop everything.
        dropQueued(lost);
      } finally {
        forget(lost, "lost");
      }
    }
  }

  /** Runs after the loop ends (close or a fatal error) on the poll thread. */
  private void shutdown() {
    stopping = true;
    try {
      dropQueued(null);
      awaitNotApplying(null);
      runPollThreadTasks();
      commit(new ArrayList<>(progress.keySet()));
    } catch (RuntimeException e) {
      LOG.warn("graph writer: final commit failed", e);
    }
    recoverBeforeStopping();
    try {
      // Leaving the group calls onPartitionsRevoked, which commits nothing new by now.
      consumer.close(Duration.ofSeconds(10));
    } catch (RuntimeException e) {
      LOG.warn("graph writer: consumer close failed", e);
    }
    workers.shutdown();
    try {
      if (!workers.awaitTermination(options.drainTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    }
    for (GraphLane lane : lanes.values()) {
      engine.release(GraphId.of(lane.graph()));
    }
    lanes.clear();
    if (ownsProducer) {
      try {
        producer.close(Duration.ofSeconds(10));
      } catch (RuntimeException e) {
        LOG.warn("graph writer: producer close failed", e);
      }
    }
    state.set(State.CLOSED);
    LOG.info("graph writer {} stopped: {}", config.writer().id(), stats());
  }

  /**
   * While its partitions are still assigned, sweeps the graphs this writer owns that have a
   * sidecar left (a zombie's operation that failed after this writer's takeover): a writer that
   * stops cleanly leaves no recoverable work behind, even in graphs it will not write again. A
   * graph with a batch still being applied (a thread stuck past the drain timeout) is left alone:
   * its sidecar is that batch's own, and the next owner's takeover decides it.
   */
  private void recoverBeforeStopping() {
    for (GraphLane lane : lanes.values()) {
      if (lane.fenced() || !lane.idle() || !progress.containsKey(lane.partition())) {
        continue;
      }
      try {
        int recovered = engine.recoverIfPending(GraphId.of(lane.graph())).size();
        if (recovered > 0) {
          LOG.info("graph {}: {} interrupted operation(s) recovered before stopping",
              lane.graph(), recovered);
        }
      } catch (RuntimeException e) {
        LOG.warn("graph {}: recovery before stopping failed; the next owner's takeover sweeps"
            + " it", lane.graph(), e);
      }
    }
  }

  private static ThreadFactory threadFactory(String prefix) {
    AtomicInteger next = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + next.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
