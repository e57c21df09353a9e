package io.ingraft.app.writer;

import io.ingraft.app.LogFields;
import io.ingraft.engine.GraphEngine;
import io.ingraft.recovery.Failpoints;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.NoticeMark;
import io.ingraft.storage.RetryRecord;
import io.ingraft.storage.StopRecord;
import io.ingraft.storage.manifest.FencedException;
import io.ingraft.storage.manifest.Manifest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each graph's batches on a pool of workers: one {@link GraphLane} per graph (its batches in
 * log order, one apply at a time, different graphs in parallel), the takeover of a graph before its
 * first batch after an assignment, and what happens after a failure: a fenced graph drops its
 * batches, any other failure is retried with capped exponential backoff, holding the batch at the
 * head of its lane. Outcomes go back to the poll thread as tasks: a published batch, a fence.
 *
 * <p>The lane map is the poll thread's; workers only touch their own lane (which is thread-safe)
 * and the counters.
 */
final class LaneScheduler {
  private static final Logger LOG = LoggerFactory.getLogger(LaneScheduler.class);

  /** How long a load waits for a worker that other graphs do not need. */
  private static final long LOAD_DEFER_MILLIS = 100;

  /** How many failures in a row make a graph count as stuck, recorded for operators. */
  static final int RECORDED_AFTER_FAILURES = 3;

  /** What the poll thread learns from the workers (called on the poll thread). */
  interface Outcomes {
    /**
     * A graph was taken over: the side outputs of its versions that no transaction committed (a
     * crash left them), to be sent again.
     */
    void takenOver(String graph, TopicPartition partition, List<VersionOutputs> unsent);

    /**
     * The batch's events are in published manifest versions (or were all skipped); the side outputs
     * of the versions the apply published, and the dead letters (by graph-log offset) of rejected
     * events no version records (given with the first batch of an apply); and the position of the
     * notice mark the apply wrote (-1: none), which the graph's queued versions that cover no
     * events are now sent with.
     */
    void published(
        PendingBatch batch,
        List<VersionOutputs> versions,
        Map<Long, ProducerRecord<byte[], byte[]>> deadLetters,
        long markedAt);

    /** Another owner claimed the batch's graph; its records stay uncommitted. */
    void fenced(PendingBatch batch);

    /** The batch's graph needs an operator; its records stay uncommitted. */
    void stopped(PendingBatch batch);
  }

  private final GraphEngine engine;
  private final BatchApplier applier;
  private final SideOutputs sideOutputs;
  private final Clock clock;
  private final int maxBatchEvents;
  private final Duration retryBackoff;
  private final Duration maxRetryBackoff;
  private final WriterCounters counters;
  private final WriterListener listener;
  private final Consumer<Runnable> pollThread;
  private final Outcomes outcomes;
  private final ScheduledThreadPoolExecutor workers;
  private final Map<String, GraphLane> lanes = new HashMap<>();

  /** Released lanes that were still applying: dropped once idle ({@link #reapReleased}). */
  private final Set<GraphLane> releasedBusy = new HashSet<>();

  private final AtomicLong outstandingEvents = new AtomicLong();
  private final AtomicInteger outstandingBatches = new AtomicInteger();

  /** Loads being applied now, and how many may be at once (never every worker). */
  private final AtomicInteger runningLoads = new AtomicInteger();

  private final int maxRunningLoads;
  private volatile boolean stopping;

  LaneScheduler(
      GraphEngine engine,
      BatchApplier applier,
      SideOutputs sideOutputs,
      Clock clock,
      int threads,
      int maxBatchEvents,
      Duration retryBackoff,
      Duration maxRetryBackoff,
      WriterCounters counters,
      WriterListener listener,
      Consumer<Runnable> pollThread,
      Outcomes outcomes) {
    this.engine = engine;
    this.applier = applier;
    this.sideOutputs = sideOutputs;
    this.clock = clock;
    this.maxBatchEvents = maxBatchEvents;
    this.retryBackoff = retryBackoff;
    this.maxRetryBackoff = maxRetryBackoff;
    this.counters = counters;
    this.listener = listener;
    this.pollThread = pollThread;
    this.outcomes = outcomes;
    // A load reads a file, which can take long: with more than one worker, one is always kept
    // for the other graphs' mutations.
    this.maxRunningLoads = Math.max(1, threads - 1);
    this.workers =
        new ScheduledThreadPoolExecutor(threads, threadFactory("ingraft-writer-worker-"));
    this.workers.setRemoveOnCancelPolicy(true);
    // A retry waiting out its backoff is dropped at shutdown, not run.
    this.workers.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /** Events queued or being applied. */
  long outstandingEvents() {
    return outstandingEvents.get();
  }

  /** Batches queued or being applied. */
  int outstandingBatches() {
    return outstandingBatches.get();
  }

  /** Whether records of {@code graph} may be buffered: it is neither fenced nor stopped. */
  boolean accepting(String graph) {
    GraphLane lane = lanes.get(graph);
    return lane == null || !(lane.fenced() || lane.stopped());
  }

  /** The graphs stopped for an operator now, and their partitions. */
  Map<String, TopicPartition> stoppedGraphs() {
    Map<String, TopicPartition> stopped = new HashMap<>();
    lanes.forEach(
        (graph, lane) -> {
          if (lane.stopped()) {
            stopped.put(graph, lane.partition());
          }
        });
    return stopped;
  }

  /** Queues a sealed batch on its graph's lane and starts a runner if none is active. */
  void submit(PendingBatch batch) {
    GraphLane lane =
        lanes.computeIfAbsent(
            batch.graph(), g -> new GraphLane(g, batch.partition(), maxBatchEvents));
    outstandingEvents.addAndGet(batch.size());
    outstandingBatches.incrementAndGet();
    listener.batchQueued(batch.graph(), batch.partition(), batch.size());
    switch (lane.offer(batch)) {
      case START -> {
        try {
          workers.execute(() -> runLane(lane));
        } catch (RejectedExecutionException e) {
          // Only while shutting down: the batch stays unpublished and uncommitted.
          settle(batch);
        }
      }
      case QUEUED -> {}
      case FENCED -> settle(batch);
      default -> throw new IllegalStateException();
    }
  }

  /** Applies a lane's batches until it has none; reschedules itself after a failure. */
  private void runLane(GraphLane lane) {
    try {
      applyLane(lane);
    } finally {
      LogFields.clear();
    }
  }

  private void applyLane(GraphLane lane) {
    while (true) {
      GraphLane.Work work = lane.take(stopping);
      if (work == null) {
        return;
      }
      PendingBatch first = work.first();
      // Every log line of this batch's work carries its graph, partition and first offset.
      LogFields.set(
          first.graph(),
          first.partition().toString(),
          first.events().isEmpty() ? null : first.events().get(0).offset());
      if (first.progress().retired()) {
        // Its partition was revoked or lost (every batch of a work shares the assignment):
        // whoever owns it now re-reads these records.
        lane.finished();
        work.batches().forEach(this::settle);
        continue;
      }
      boolean load = work.batches().stream().anyMatch(PendingBatch::hasLoad);
      if (load && runningLoads.incrementAndGet() > maxRunningLoads) {
        runningLoads.decrementAndGet();
        try {
          lane.deferred(
              work,
              () ->
                  workers.schedule(() -> runLane(lane), LOAD_DEFER_MILLIS, TimeUnit.MILLISECONDS));
        } catch (RejectedExecutionException shuttingDown) {
          lane.take(true);
          work.batches().forEach(this::settle);
        }
        return;
      }
      boolean tookOver = false;
      try {
        Map<Long, BufferedEvent> events = eventsByOffset(work);
        if (work.takeOver()) {
          takeOver(lane, first, events);
        }
        tookOver = true;
        BatchApplier.Outcome applied = applier.apply(work.batches());
        GraphId graph = GraphId.of(first.graph());
        List<VersionOutputs> versions =
            sideOutputs.between(
                graph,
                first.partition(),
                lane.lastVersion(),
                engine.ownedVersion(graph),
                events,
                applied.live());
        Map<Long, ProducerRecord<byte[], byte[]>> deadLetters = new HashMap<>();
        for (BatchApplier.Unrecorded rejected : applied.unrecorded()) {
          deadLetters.put(
              rejected.event().offset(),
              sideOutputs.deadLetter(
                  first.graph(),
                  first.partition(),
                  rejected.event(),
                  rejected.eventId(),
                  rejected.result().code().name(),
                  rejected.result().message()));
        }
        for (BatchApplier.BadRecord bad : applied.bad()) {
          // Found only now that the worker decodes; the same dead letter the poll thread makes.
          deadLetters.put(
              bad.event().offset(),
              sideOutputs.badRecord(first.partition(), bad.event(), bad.reason()));
        }
        Failpoints.hit(Failpoints.WRITER_AFTER_PUBLISH);
        long markedAt = markQuietTail(work, versions);
        if (!versions.isEmpty()) {
          lane.lastVersion(engine.manifest(graph, versions.get(versions.size() - 1).version()));
        }
        if (lane.recovered()) {
          clearRetryRecord(graph);
        }
        // Reported before the lane goes idle: a revocation waiting for the lane then finds the
        // report and commits the batches' offsets (and their side outputs).
        pollThread.accept(
            () -> {
              for (int i = 0; i < work.batches().size(); i++) {
                outcomes.published(
                    work.batches().get(i),
                    i == 0 ? versions : List.of(),
                    i == 0 ? deadLetters : Map.of(),
                    i == 0 ? markedAt : -1);
              }
            });
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
          listener.fenced(first.graph());
          LOG.warn(
              "graph {}: fenced by a newer owner (epoch {}, ours {}); dropping {} batch(es)"
                  + " from {}@{}, leaving them uncommitted for the new owner",
              first.graph(),
              fenced.actualEpoch(),
              fenced.expectedEpoch(),
              batches,
              first.partition(),
              first.firstOffset());
          pollThread.accept(() -> outcomes.fenced(first));
          return;
        }
        FailureClassifier.Failure failure = FailureClassifier.classify(e);
        if (!failure.retryable()) {
          stop(lane, work, failure, e);
          return;
        }
        retryLater(lane, work, work.takeOver() && !tookOver, e);
        return;
      } finally {
        if (load) {
          runningLoads.decrementAndGet();
        }
      }
    }
  }

  /**
   * If the versions the apply published end with some that cover no events (a claim the engine made
   * on the way, a compaction), records a {@link NoticeMark} for them: they are sent with the offset
   * commit that passes this work's last record, which is not committed yet. Without it their
   * notices would wait for the graph's next events, and a crash could not tell whether they went
   * out.
   *
   * @return the mark's position, or -1 if none was needed
   */
  private long markQuietTail(GraphLane.Work work, List<VersionOutputs> versions) {
    VersionOutputs tail = versions.isEmpty() ? null : versions.get(versions.size() - 1);
    if (tail == null || tail.advances()) {
      return -1;
    }
    PendingBatch last = work.batches().get(work.batches().size() - 1);
    return mark(GraphId.of(last.graph()), tail.version(), last.partition(), last.sealOffset() + 1);
  }

  /**
   * Records that the graph's versions up to {@code version} are sent with the offset commit that
   * reaches {@code position} (of the partition), one not committed yet.
   *
   * @return the position
   */
  private long mark(GraphId graph, long version, TopicPartition partition, long position) {
    engine
        .noticeMarks()
        .write(
            graph,
            new NoticeMark(
                engine.manifest(graph, version).epoch(),
                version,
                EventMapper.sourcePartition(partition.topic(), partition.partition()),
                position));
    return position;
  }

  /** Drops the marks that the newest mark in force (the committed offset has reached it) covers. */
  private void pruneMarks(
      GraphId graph, TopicPartition partition, List<NoticeMark> marks, long committed) {
    String source = EventMapper.sourcePartition(partition.topic(), partition.partition());
    marks.stream()
        .filter(m -> m.source().equals(source) && m.position() <= committed)
        .max(java.util.Comparator.comparingLong(NoticeMark::version))
        .ifPresent(inForce -> engine.noticeMarks().pruneBelow(graph, inForce));
  }

  private void clearRetryRecord(GraphId graph) {
    try {
      engine.retryRecords().clear(graph);
    } catch (RuntimeException e) {
      LOG.warn("graph {}: cannot remove its retry record; the next success does", graph, e);
    }
  }

  private static Map<Long, BufferedEvent> eventsByOffset(GraphLane.Work work) {
    Map<Long, BufferedEvent> events = new HashMap<>();
    for (PendingBatch batch : work.batches()) {
      for (BufferedEvent event : batch.events()) {
        events.put(event.offset(), event);
      }
    }
    return events;
  }

  /**
   * A failure that retrying cannot fix: the graph stops here (its batches dropped, its records left
   * uncommitted, later ones not buffered), says why in the writer's stats and in storage, and waits
   * for {@code ingraft graph recover} or a restart. Other graphs go on.
   */
  private void stop(
      GraphLane lane, GraphLane.Work work, FailureClassifier.Failure failure, Throwable error) {
    PendingBatch first = work.first();
    List<PendingBatch> dropped = lane.stop();
    work.batches().forEach(this::settle);
    dropped.forEach(this::settle);
    String message = String.valueOf(error.getMessage());
    WriterStats.StoppedGraph stopped =
        new WriterStats.StoppedGraph(failure.code(), message, failure.action(), clock.instant());
    counters.stopped.put(first.graph(), stopped);
    LOG.error(
        "graph {}: STOPPED ({}) at {}; it needs an operator: {}. Its records stay"
            + " uncommitted; other graphs go on",
        first.graph(),
        failure.code(),
        work,
        failure.action(),
        error);
    try {
      engine
          .stopRecords()
          .write(
              GraphId.of(first.graph()),
              new StopRecord(
                  failure.code(), message, failure.action(), stopped.since(), engine.writerId()));
    } catch (RuntimeException e) {
      LOG.warn(
          "graph {}: cannot record the stop in storage; the writer's stats show it",
          first.graph(),
          e);
    }
    pollThread.accept(() -> outcomes.stopped(first));
  }

  /**
   * A retryable failure: the work goes back to the head of its lane, retried after a capped
   * exponential backoff. Nothing behind it overtakes it, and its offsets stay uncommitted.
   */
  private void retryLater(
      GraphLane lane, GraphLane.Work work, boolean takeOverAgain, Throwable error) {
    int failures = lane.failures() + 1;
    long delay = backoffMillis(failures);
    counters.retries.incrementAndGet();
    String graph = work.first().graph();
    listener.retried(graph);
    recordRetrying(lane, graph, failures, error);
    if (failures == 1) {
      LOG.warn("graph {}: {} failed; retrying in {} ms", graph, work, delay, error);
    } else {
      // The stack trace was logged with the first failure of the streak.
      LOG.warn(
          "graph {}: {} failed again (attempt {}): {}; retrying in {} ms",
          graph,
          work,
          failures,
          error.toString(),
          delay);
    }
    try {
      lane.failed(
          work,
          takeOverAgain,
          () -> workers.schedule(() -> runLane(lane), delay, TimeUnit.MILLISECONDS));
    } catch (RejectedExecutionException shuttingDown) {
      lane.take(true);
      work.batches().forEach(this::settle);
    }
  }

  /**
   * Once a streak of failures is {@value #RECORDED_AFTER_FAILURES} long, records it in storage (and
   * updates the record with each later failure), so that {@code graph verify} and {@code graph
   * status} report the graph as stuck. Best effort: the storage may be what is failing.
   */
  private void recordRetrying(GraphLane lane, String graph, int failures, Throwable error) {
    Instant now = clock.instant();
    Instant since = lane.failingSince(now);
    if (failures < RECORDED_AFTER_FAILURES) {
      return;
    }
    try {
      engine
          .retryRecords()
          .write(
              GraphId.of(graph),
              new RetryRecord(since, failures, error.toString(), now, engine.writerId()));
      lane.retryRecorded();
    } catch (RuntimeException e) {
      LOG.debug("graph {}: cannot record that it is retrying", graph, e);
    }
  }

  /** The delay before retry number {@code failures}: doubling from the first, capped. */
  long backoffMillis(int failures) {
    long base = retryBackoff.toMillis();
    long cap = maxRetryBackoff.toMillis();
    int shift = Math.min(failures - 1, 30);
    return Math.min(cap, base << shift);
  }

  /**
   * Takes the graph over before its first batch after an assignment (claim, sweep; a retry after a
   * failed sweep sweeps again without claiming), then finds the versions a crash left without side
   * outputs, to be sent again.
   */
  private void takeOver(GraphLane lane, PendingBatch first, Map<Long, BufferedEvent> events) {
    GraphId id = GraphId.of(first.graph());
    PartitionProgress progress = first.progress();
    if (!progress.hasBaseline()) {
      throw new OffsetsUnknownException(first.partition());
    }
    if (!engine.exists(id)) {
      // Nothing to claim yet: the batch's schema event creates the graph, and the engine takes
      // over what it creates.
      lane.lastVersion(null);
      pollThread.accept(() -> outcomes.takenOver(first.graph(), first.partition(), List.of()));
      return;
    }
    int recovered = engine.takeOver(id).size();
    engine.stopRecords().clear(id);
    engine.retryRecords().clear(id);
    counters.stopped.remove(first.graph());
    Failpoints.hit(Failpoints.WRITER_AFTER_TAKEOVER);
    Manifest latest = engine.manifest(id, engine.ownedVersion(id));
    List<NoticeMark> marks = engine.noticeMarks().readAll(id);
    List<VersionOutputs> unsent =
        sideOutputs.unsent(
            id,
            first.partition(),
            latest,
            progress.lastCommitted(),
            progress.since(),
            marks,
            events);
    pruneMarks(id, first.partition(), marks, progress.lastCommitted());
    // Everything not sent yet goes out with the commit that passes this work's first seal: a
    // former owner's mark not reached yet (its writer lost the partition first) lies above one of
    // the graph's seals that this assignment reads, so never below this one, and when the group's
    // offset reaches it, what it covers has been sent (guarantees.md, 8).
    List<VersionOutputs> queued = new ArrayList<>(unsent);
    if (!queued.isEmpty()) {
      long position = mark(id, latest.version(), first.partition(), first.sealOffset() + 1);
      int tail = queued.size() - 1;
      queued.set(tail, queued.get(tail).sentBy(position));
    }
    lane.lastVersion(latest);
    pollThread.accept(() -> outcomes.takenOver(first.graph(), first.partition(), queued));
    LOG.info(
        "graph {}: taken over by {} ({} interrupted operation(s) recovered, {} version(s)"
            + " to send side outputs of)",
        first.graph(),
        engine.writerId(),
        recovered,
        unsent.size());
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
    listener.batchSettled(batch.graph(), batch.size());
  }

  /** Drops the batches of {@code partitions} (all, if null) that have not started. */
  void dropQueued(Set<TopicPartition> partitions) {
    for (GraphLane lane : lanes.values()) {
      lane.dropQueued(partitions).forEach(this::settle);
    }
  }

  /**
   * Waits (up to {@code timeout} in all) until no batch of {@code partitions} (any, if null) is
   * being applied.
   */
  void awaitNotApplying(Set<TopicPartition> partitions, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (GraphLane lane : lanes.values()) {
      try {
        if (!lane.awaitNotApplying(partitions, deadline)) {
          LOG.warn(
              "graph {}: a batch is still being applied after {}; its records stay"
                  + " uncommitted",
              lane.graph(),
              timeout);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Releases the graphs of {@code partitions}: the engine forgets them (and drops its caches of
   * them), their lanes and stop state go, and whoever gets the partition next (maybe this writer
   * again) takes them over before writing. A lane still applying (past the drain timeout, or after
   * a loss) is dropped by {@link #reapReleased} once it is idle.
   *
   * @return how many graphs were released
   */
  int release(Set<TopicPartition> partitions) {
    int released = 0;
    for (Iterator<GraphLane> it = lanes.values().iterator(); it.hasNext(); ) {
      GraphLane lane = it.next();
      if (partitions.contains(lane.partition())) {
        engine.release(GraphId.of(lane.graph()));
        lane.resetOwnership();
        counters.stopped.remove(lane.graph());
        released++;
        if (lane.idle()) {
          it.remove();
        } else {
          releasedBusy.add(lane);
        }
      }
    }
    return released;
  }

  /**
   * Drops the lanes {@link #release} left because they were applying, once they are idle and their
   * partition is not {@code assigned} again. Poll thread; cheap when there are none.
   */
  void reapReleased(Predicate<TopicPartition> assigned) {
    if (releasedBusy.isEmpty()) {
      return;
    }
    for (Iterator<GraphLane> it = releasedBusy.iterator(); it.hasNext(); ) {
      GraphLane lane = it.next();
      if (assigned.test(lane.partition())) {
        // Ours again: the lane is in use (or will be) under the new assignment.
        it.remove();
      } else if (lane.idle()) {
        it.remove();
        lanes.remove(lane.graph(), lane);
        engine.release(GraphId.of(lane.graph()));
      }
    }
  }

  /** How many graphs have a lane now (for tests of what a release drops). */
  int lanes() {
    return lanes.size();
  }

  /**
   * Sweeps the graphs this writer owns that have a sidecar left (a zombie's operation that failed
   * after this writer's takeover), for those whose partition is still assigned: a writer that stops
   * cleanly leaves no recoverable work behind, even in graphs it will not write again. A graph with
   * a batch still being applied (a thread stuck past the drain timeout) is left alone: its sidecar
   * is that batch's own, and the next owner's takeover decides it.
   */
  void recoverBeforeStopping(Predicate<TopicPartition> assigned) {
    for (GraphLane lane : lanes.values()) {
      if (lane.fenced() || !lane.idle() || !assigned.test(lane.partition())) {
        continue;
      }
      try {
        int recovered = engine.recoverIfPending(GraphId.of(lane.graph())).size();
        if (recovered > 0) {
          LOG.info(
              "graph {}: {} interrupted operation(s) recovered before stopping",
              lane.graph(),
              recovered);
        }
      } catch (RuntimeException e) {
        LOG.warn(
            "graph {}: recovery before stopping failed; the next owner's takeover sweeps" + " it",
            lane.graph(),
            e);
      }
    }
  }

  /** From now on runners drop their queues instead of applying them. */
  void stopping() {
    stopping = true;
  }

  /** Stops the workers (waiting up to {@code timeout}) and releases every graph. */
  void shutdown(Duration timeout) {
    stopping = true;
    workers.shutdown();
    try {
      if (!workers.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
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
  }

  /** Stops the workers at once (a writer that never started). */
  void shutdownNow() {
    workers.shutdownNow();
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
