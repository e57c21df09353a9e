package io.ingraft.app.writer;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.dlq.RecordLimits;
import io.ingraft.engine.GraphEngine;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.FencedException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 2 of the pipeline: a plain Kafka consumer group on the canonical graph log that applies
 * each graph's events between two seals as one batch through the {@link GraphEngine}, and commits
 * Kafka offsets only for records whose batch is published (in a manifest version) or dead-lettered,
 * in the same Kafka transaction as the dead letters and commit notices of what the offsets pass. A
 * crash at any point therefore re-delivers every record that might not be published (the engine
 * skips the ones that were), and the next owner of a graph re-sends the side outputs no committed
 * transaction carried: each event takes effect exactly once, and each dead letter and notice is
 * seen once by {@code read_committed} consumers.
 *
 * <p>This class is the poll loop and the rebalances; it delegates the rest: {@link BatchAssembly}
 * turns records into batches, {@link LaneScheduler} runs them on the workers (one {@link GraphLane}
 * per graph, takeovers, retries, fences, stopped graphs), {@link OffsetCommits} commits offsets and
 * side outputs ({@link SideOutputs}) transactionally. Only the poll thread touches the consumer and
 * commits; workers report back through a queue the poll thread drains. The rebalance listener
 * (called inside {@code poll}) reads the group's committed offsets of assigned partitions (graphs
 * are taken over lazily, before their first batch); on a revocation it waits for running batches,
 * commits and releases; on a loss it drops everything.
 *
 * <p>Failures: a {@link FencedException} means another owner took the graph over, so its batches
 * are dropped and its records stay uncommitted. Normally a rebalance then takes the partition away;
 * if the partition is still assigned here after {@code fenceGrace}, the claim came from outside the
 * group (an operator's {@code ingraft graph recover}), and the writer re-reads the partition from
 * its first unpublished record and takes its graphs over again. Any other failure is retried with
 * capped exponential backoff when it is retryable, and otherwise stops that graph only until an
 * operator resumes it ({@link FailureClassifier}).
 *
 * <p>The consumer is paused while more than {@code writer.max-buffered-events} events are held and
 * batches are being applied, and polled throughout so it stays in the group. {@link #close()} stops
 * gracefully and within a bounded time: running batches finish (up to the drain timeout), queued
 * ones are dropped, and only published work is committed.
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
   * @param sendTimeout no longer used: dead letters and notices go out in the offset transactions
   *     (kept so that existing callers and configurations still work)
   * @param fenceGrace how long a partition with a fenced graph waits for the rebalance that should
   *     take it away before the writer re-reads it and claims its graphs again; longer than the
   *     group's session timeout, so that a writer that was really replaced learns it first
   */
  public record Options(
      Duration pollTimeout,
      Duration commitInterval,
      Duration retryBackoff,
      Duration maxRetryBackoff,
      Duration drainTimeout,
      Duration sendTimeout,
      Duration fenceGrace) {

    /** The defaults of the configuration ({@link IngraftConfig.WriterTiming#DEFAULT}). */
    public static Options defaults() {
      return of(IngraftConfig.WriterTiming.DEFAULT);
    }

    /** The timing the configuration sets ({@code ingraft.writer.*-ms}). */
    public static Options of(IngraftConfig.WriterTiming timing) {
      return new Options(
          timing.pollTimeout(),
          timing.commitInterval(),
          timing.retryBackoff(),
          timing.maxRetryBackoff(),
          timing.drainTimeout(),
          timing.sendTimeout(),
          timing.fenceGrace());
    }
  }

  private enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  /** How often the poll thread checks whether an operator resumed a stopped graph. */
  private static final Duration STOPPED_CHECK_INTERVAL = Duration.ofSeconds(5);

  private final IngraftConfig config;
  private final Options options;
  private final Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers;
  private final GraphEngine engine;
  private final GraphLogReader reader;
  private final String graphLogTopic;
  private final WriterCounters counters = new WriterCounters();
  private final WriterListener listener;
  private final ConcurrentLinkedQueue<Runnable> pollThreadTasks = new ConcurrentLinkedQueue<>();
  private final OffsetCommits commits;
  private final LaneScheduler lanes;
  private final BatchAssembly assembly;
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
  private volatile boolean stopping;

  /** Consumption held by {@link #pauseConsumption()}, on top of backpressure. */
  private volatile boolean holding;

  private volatile Thread pollThread;
  private volatile int bufferedEventsSnapshot;

  /**
   * The lane count, as the poll thread last saw it (read by {@link #graphsHeld} from any thread).
   */
  private volatile int graphsHeld;

  private volatile int assignedPartitions;
  private volatile long lag = -1;

  // Owned by the poll thread.
  private Consumer<byte[], byte[]> consumer;

  /** Partitions with a fenced graph, and when (nanoTime) to re-read them if still assigned. */
  private final Map<TopicPartition, Long> fencedPartitions = new HashMap<>();

  private boolean paused;
  private long lastCommitNanos;
  private long lastStoppedCheckNanos;

  /**
   * A writer with its own transactional producer (for dead letters, commit notices and offsets),
   * built from the config's Kafka settings, and the config's timing.
   */
  public GraphWriter(IngraftConfig config, GraphEngine engine, Clock clock) {
    this(config, engine, clock, Options.of(config.writer().timing()));
  }

  /** A writer with its own transactional producer (see above) and the given timing. */
  public GraphWriter(IngraftConfig config, GraphEngine engine, Clock clock, Options options) {
    this(config, engine, clock, options, WriterListener.NONE);
  }

  /** A writer with its own producers (see above) and timing, telling {@code listener} its work. */
  public GraphWriter(
      IngraftConfig config,
      GraphEngine engine,
      Clock clock,
      Options options,
      WriterListener listener) {
    this(
        config,
        engine,
        () -> {
          KafkaProducer<byte[], byte[]> producer =
              new KafkaProducer<>(
                  producerProps(config), new ByteArraySerializer(), new ByteArraySerializer());
          try {
            producer.initTransactions();
          } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
          }
          listener.producerCreated(producer);
          return producer;
        },
        clock,
        options,
        KafkaConsumer::new,
        listener);
  }

  /**
   * For tests: producers come from {@code producers} (transactional, initialised), the consumer
   * from {@code consumers}, given the consumer properties.
   */
  GraphWriter(
      IngraftConfig config,
      GraphEngine engine,
      Supplier<Producer<byte[], byte[]>> producers,
      Clock clock,
      Options options,
      Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers) {
    this(config, engine, producers, clock, options, consumers, WriterListener.NONE);
  }

  private GraphWriter(
      IngraftConfig config,
      GraphEngine engine,
      Supplier<Producer<byte[], byte[]>> producers,
      Clock clock,
      Options options,
      Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers,
      WriterListener listener) {
    this.config = config;
    this.listener = listener;
    this.engine = engine;
    this.options = options;
    this.consumers = consumers;
    this.graphLogTopic = config.topics().graphLog();
    Map<String, Object> readerProps = consumerProps(config);
    readerProps.remove(ConsumerConfig.GROUP_ID_CONFIG);
    readerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, config.writer().id() + "-log-reader");
    this.reader = new GraphLogReader(KafkaConsumer::new, readerProps);
    SideOutputs sideOutputs =
        new SideOutputs(
            engine, graphLogTopic, config.topics().dlq(), config.topics().commits(), reader);
    this.commits =
        new OffsetCommits(
            producers, config.topics().dlq(), config.topics().commits(), clock, counters, listener);
    this.lanes =
        new LaneScheduler(
            engine,
            new BatchApplier(engine, graphLogTopic, clock, counters, listener),
            sideOutputs,
            clock,
            config.writer().threads(),
            config.writer().maxBatchEvents(),
            options.retryBackoff(),
            options.maxRetryBackoff(),
            counters,
            listener,
            pollThreadTasks::add,
            new LaneScheduler.Outcomes() {
              @Override
              public void takenOver(
                  String graph, TopicPartition partition, List<VersionOutputs> unsent) {
                commits.takenOver(graph, partition, unsent);
              }

              @Override
              public void published(
                  PendingBatch batch,
                  List<VersionOutputs> versions,
                  Map<Long, ProducerRecord<byte[], byte[]>> deadLetters,
                  long markedAt) {
                commits.published(batch, versions, deadLetters, markedAt);
              }

              @Override
              public void fenced(PendingBatch batch) {
                GraphWriter.this.fenced(batch);
              }

              @Override
              public void stopped(PendingBatch batch) {
                // Nothing to do now: the graph's records stay pending; resumeStoppedGraphs watches
                // for the operator.
              }
            });
    this.assembly = new BatchAssembly(graphLogTopic, commits, lanes, counters);
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
    props.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return props;
  }

  /**
   * The properties of the transactional producer the writer builds for itself. Its transactional id
   * is derived from the writer id, so a restarted writer aborts what its previous incarnation left
   * open (writer ids must be unique in the group).
   */
  public static Map<String, Object> producerProps(IngraftConfig config) {
    Map<String, Object> props = config.kafkaClientProps();
    props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, config.writer().id() + "-producer");
    // The poll thread commits every commit interval: a linger would only delay it.
    props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
    // Bounded waits for a broker that is away: the poll thread retries at the next commit.
    props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    // A writer that died with a transaction open holds read_committed readers of the dead letters
    // and notices back until the broker aborts it: keep that short (transactions take a poll).
    props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "ingraft-writer-" + config.writer().id());
    // A dead letter carries a graph-log record's bytes: it must be allowed the topics' size.
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, RecordLimits.MAX_RECORD_BYTES);
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
    listener.started(consumer);
    Thread thread = new Thread(this::pollLoop, "ingraft-writer-poll");
    thread.setDaemon(false);
    pollThread = thread;
    thread.start();
    LOG.info(
        "graph writer {} started: group {}, topic {}, {} worker(s)",
        config.writer().id(),
        config.writer().groupId(),
        graphLogTopic,
        config.writer().threads());
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
      lanes.shutdownNow();
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

  /**
   * Holds the graph log: the consumer stays in the group but reads nothing new until {@link
   * #resumeConsumption()}; batches already read are still applied and committed. For operations and
   * tests that need the writer to fall behind on purpose.
   */
  public void pauseConsumption() {
    holding = true;
  }

  /** Ends a {@link #pauseConsumption()}. */
  public void resumeConsumption() {
    holding = false;
  }

  /** What the writer has done so far. */
  public WriterStats stats() {
    return new WriterStats(
        counters.recordsRead.get(),
        counters.batches.get(),
        counters.applies.get(),
        counters.eventsApplied.get(),
        counters.eventsRejected.get(),
        counters.eventsSkipped.get(),
        counters.deadLetters.get(),
        counters.commitNotices.get(),
        counters.retries.get(),
        counters.fencedBatches.get(),
        bufferedEventsSnapshot + lanes.outstandingEvents(),
        assignedPartitions,
        lag,
        counters.lastPublish,
        counters.stopped);
  }

  /**
   * How many graphs the writer keeps per-graph state for now (a lane each): the graphs of its
   * assigned partitions it has read, and released ones still finishing an apply. Released graphs
   * leave nothing behind, so this stays bounded by what is assigned however many graphs come and go
   * in rebalances.
   */
  public int graphsHeld() {
    return graphsHeld;
  }

  /** The delay before retry number {@code failures} of a batch. */
  long backoffMillis(int failures) {
    return lanes.backoffMillis(failures);
  }

  // ---------------------------------------------------------------------------------------------
  // The poll loop

  private void pollLoop() {
    try {
      commits.bind(consumer);
      consumer.subscribe(List.of(graphLogTopic), new Rebalances());
      lastCommitNanos = System.nanoTime();
      while (!stopping) {
        runPollThreadTasks();
        if (System.nanoTime() - lastCommitNanos >= options.commitInterval().toNanos()) {
          commits.commit(commits.partitions());
          lastCommitNanos = System.nanoTime();
        }
        restartFencedPartitions();
        lanes.reapReleased(partition -> commits.progress(partition) != null);
        resumeStoppedGraphs();
        applyBackpressure();
        ConsumerRecords<byte[], byte[]> records = consumer.poll(options.pollTimeout());
        for (TopicPartition partition : records.partitions()) {
          for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
            assembly.accept(partition, record);
          }
        }
        records
            .nextOffsets()
            .forEach(
                (partition, next) -> {
                  PartitionProgress p = commits.progress(partition);
                  if (p != null) {
                    p.fetchedTo(next.offset());
                  }
                });
        bufferedEventsSnapshot = assembly.bufferedEvents();
        graphsHeld = lanes.lanes();
        updateLag();
      }
    } catch (RuntimeException | Error e) {
      LOG.error("graph writer stopped by an error", e);
    } finally {
      shutdown();
    }
  }

  private void runPollThreadTasks() {
    Runnable task;
    while ((task = pollThreadTasks.poll()) != null) {
      task.run();
    }
  }

  /** Starts the fence grace of the batch's partition, unless it is stale or already running. */
  private void fenced(PendingBatch batch) {
    if (batch.progress().retired() || commits.progress(batch.partition()) != batch.progress()) {
      return;
    }
    fencedPartitions.putIfAbsent(
        batch.partition(), System.nanoTime() + options.fenceGrace().toNanos());
  }

  /**
   * Re-reads partitions whose fence grace is over while they are still assigned here: the claim
   * that fenced a graph did not come with a rebalance, so nobody else in the group will write the
   * partition's graphs. Everything of the partition is dropped as on a revocation, and the consumer
   * goes back to the first unpublished record; the graphs are taken over again before their next
   * batch.
   */
  private void restartFencedPartitions() {
    if (fencedPartitions.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    Set<TopicPartition> due = new HashSet<>();
    fencedPartitions.forEach(
        (partition, at) -> {
          if (now - at >= 0) {
            due.add(partition);
          }
        });
    for (TopicPartition partition : due) {
      fencedPartitions.remove(partition);
      if (commits.progress(partition) == null) {
        continue;
      }
      Set<TopicPartition> one = Set.of(partition);
      lanes.dropQueued(one);
      lanes.awaitNotApplying(one, options.drainTimeout());
      runPollThreadTasks();
      commits.commit(one);
      OptionalLong from = commits.restart(partition);
      forget(one, "re-read after a fence", false);
      if (from.isPresent()) {
        consumer.seek(partition, from.getAsLong());
      }
      LOG.warn(
          "{}: a graph of it was fenced {} ago and the partition is still assigned here;"
              + " re-reading it from offset {} and taking its graphs over again",
          partition,
          options.fenceGrace(),
          from.isPresent() ? from.getAsLong() : "(committed)");
    }
  }

  /**
   * Resumes stopped graphs whose stop record an operator removed ({@code ingraft graph recover}):
   * their partition is re-read from its first unpublished record, as after a fence, and the graph
   * taken over again.
   */
  private void resumeStoppedGraphs() {
    if (System.nanoTime() - lastStoppedCheckNanos < STOPPED_CHECK_INTERVAL.toNanos()) {
      return;
    }
    lastStoppedCheckNanos = System.nanoTime();
    lanes
        .stoppedGraphs()
        .forEach(
            (graph, partition) -> {
              try {
                if (engine.stopRecords().read(GraphId.of(graph)).isEmpty()) {
                  LOG.info("graph {}: its stop record was removed; resuming it", graph);
                  counters.stopped.remove(graph);
                  fencedPartitions.put(partition, System.nanoTime());
                }
              } catch (RuntimeException e) {
                LOG.debug("graph {}: cannot read its stop record", graph, e);
              }
            });
  }

  private void applyBackpressure() {
    long held = assembly.bufferedEvents() + lanes.outstandingEvents();
    int max = config.writer().maxBufferedEvents();
    // Only batches being applied free memory: pausing while none are (every held event waiting
    // for its seal) would wait forever for seals that the pause keeps out.
    boolean draining = lanes.outstandingBatches() > 0;
    if (!paused && held > max && draining) {
      paused = true;
      LOG.info("pausing the graph log: {} events held (limit {})", held, max);
    } else if (paused && (held <= max / 2 || !draining)) {
      paused = false;
      consumer.resume(consumer.paused());
      LOG.info("resuming the graph log: {} events held", held);
    }
    if (paused || holding) {
      // Again every loop: partitions assigned by a rebalance start unpaused.
      consumer.pause(consumer.assignment());
    } else if (!consumer.paused().isEmpty()) {
      consumer.resume(consumer.paused());
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

  /**
   * Forgets partitions that are no longer ours (or are about to be re-read): their buffers and
   * graphs, and, with {@code retire}, their offset bookkeeping.
   */
  private void forget(Set<TopicPartition> partitions, String why, boolean retire) {
    fencedPartitions.keySet().removeAll(partitions);
    if (retire) {
      commits.retire(partitions);
    }
    assembly.drop(partitions);
    int released = lanes.release(partitions);
    bufferedEventsSnapshot = assembly.bufferedEvents();
    graphsHeld = lanes.lanes();
    LOG.info("partitions {} {}: {} graph(s) released", partitions, why, released);
  }

  /** Called by {@code poll} on the poll thread. Never throws: that would fail the poll. */
  private final class Rebalances implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      try {
        commits.assigned(partitions);
      } catch (RuntimeException e) {
        LOG.warn("assignment of {}: committed offsets not read; retried", partitions, e);
      }
      if (holding) {
        // Before this poll can fetch them: a held writer reads nothing, new partitions included.
        consumer.pause(partitions);
      }
      if (!partitions.isEmpty()) {
        LOG.info(
            "partitions {} assigned; their graphs are taken over before their first batch",
            partitions);
      }
      listener.assigned(partitions);
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
        lanes.dropQueued(revoked);
        lanes.awaitNotApplying(revoked, options.drainTimeout());
        runPollThreadTasks();
        commits.commit(revoked);
      } catch (RuntimeException e) {
        LOG.warn("revocation of {}: commit failed", revoked, e);
      } finally {
        forget(revoked, "revoked", true);
        listener.released(revoked);
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
        lanes.dropQueued(lost);
      } finally {
        forget(lost, "lost", true);
        listener.released(lost);
      }
    }
  }

  /** Runs after the loop ends (close or a fatal error) on the poll thread. */
  private void shutdown() {
    stopping = true;
    lanes.stopping();
    try {
      lanes.dropQueued(null);
      lanes.awaitNotApplying(null, options.drainTimeout());
      runPollThreadTasks();
      commits.commit(commits.partitions());
    } catch (RuntimeException e) {
      LOG.warn("graph writer: final commit failed", e);
    }
    lanes.recoverBeforeStopping(partition -> commits.progress(partition) != null);
    try {
      // Leaving the group calls onPartitionsRevoked, which commits nothing new by now.
      consumer.close(Duration.ofSeconds(10));
    } catch (RuntimeException e) {
      LOG.warn("graph writer: consumer close failed", e);
    }
    // Running batches had the drain timeout already: what is still running after that is stuck
    // (workers are daemon threads), and a stop must be bounded whatever a graph is doing.
    lanes.shutdown(Duration.ofSeconds(5));
    commits.close();
    reader.close();
    state.set(State.CLOSED);
    LOG.info("graph writer {} stopped: {}", config.writer().id(), stats());
  }
}
