package io.ingraft.app.writer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;

/**
 * The sealed batches of one graph, applied strictly in order, one at a time: the engine takes
 * one writer thread per graph, and a later batch must never overtake an earlier (or a failed)
 * one. The poll thread offers batches; at most one runner (a worker task, or a retry scheduled
 * after a failure) takes them. Also carries the graph's ownership state: whether the next batch
 * must first take the graph over, and whether this writer was fenced out of it.
 *
 * <p>Thread-safe: every method synchronizes on the lane.
 */
final class GraphLane {
  /** What {@link #offer} did with a batch. */
  enum Offer {
    /** Queued; no runner was active, so the caller must start one. */
    START,
    /** Queued behind the active runner. */
    QUEUED,
    /** Refused: the writer was fenced out of this graph. */
    FENCED
  }

  /** The batch a runner should apply next, and whether it must take the graph over first. */
  record Work(PendingBatch batch, boolean takeOver) {
  }

  private final String graph;
  private final TopicPartition partition;
  private final ArrayDeque<PendingBatch> queue = new ArrayDeque<>();
  private PendingBatch current;
  private boolean active;
  private ScheduledFuture<?> retry;
  private boolean needsTakeOver = true;
  private boolean fenced;
  private int failures;

  GraphLane(String graph, TopicPartition partition) {
    this.graph = graph;
    this.partition = partition;
  }

  String graph() {
    return graph;
  }

  /** The partition the graph's records come from. */
  TopicPartition partition() {
    return partition;
  }

  synchronized Offer offer(PendingBatch batch) {
    if (fenced) {
      return Offer.FENCED;
    }
    queue.addLast(batch);
    if (active) {
      return Offer.QUEUED;
    }
    active = true;
    return Offer.START;
  }

  /**
   * The next batch for the runner, or null when there is none (or the writer is stopping, in
   * which case the queue is dropped): the runner must then return, and the lane is inactive.
   */
  synchronized Work take(boolean stopping) {
    retry = null;
    if (stopping) {
      queue.clear();
    }
    PendingBatch next = queue.pollFirst();
    if (next == null) {
      active = false;
      notifyAll();
      return null;
    }
    current = next;
    boolean takeOver = needsTakeOver;
    needsTakeOver = false;
    return new Work(next, takeOver);
  }

  /** The current batch is done (applied, or dropped as stale). */
  synchronized void finished() {
    current = null;
    failures = 0;
    notifyAll();
  }

  /**
   * The current batch failed: it goes back to the head of the queue and {@code schedule} (called
   * under the lock, so the retry cannot start before it is recorded) arranges the retry.
   *
   * @param takeOverAgain whether the graph must be taken over before the retry
   * @return the number of consecutive failures, this one included
   */
  synchronized int failed(PendingBatch batch, boolean takeOverAgain,
      Supplier<ScheduledFuture<?>> schedule) {
    current = null;
    failures++;
    queue.addFirst(batch);
    needsTakeOver |= takeOverAgain;
    retry = schedule.get();
    notifyAll();
    return failures;
  }

  /** How many consecutive attempts of the head batch failed. */
  synchronized int failures() {
    return failures;
  }

  /**
   * The writer was fenced out of the graph: the current batch and every queued one are dropped
   * (returned), and later offers are refused until {@link #resetOwnership}.
   */
  synchronized List<PendingBatch> fence() {
    fenced = true;
    current = null;
    active = false;
    List<PendingBatch> dropped = new ArrayList<>(queue);
    queue.clear();
    notifyAll();
    return dropped;
  }

  synchronized boolean fenced() {
    return fenced;
  }

  /**
   * Drops (returns) the queued batches of {@code partitions} (all, if null) that have not
   * started. A batch being applied is not touched. A pending retry with nothing left to do is
   * cancelled, so a later batch does not wait out its backoff.
   */
  synchronized List<PendingBatch> dropQueued(Set<TopicPartition> partitions) {
    List<PendingBatch> dropped = new ArrayList<>();
    for (Iterator<PendingBatch> it = queue.iterator(); it.hasNext(); ) {
      PendingBatch batch = it.next();
      if (partitions == null || partitions.contains(batch.partition())) {
        dropped.add(batch);
        it.remove();
      }
    }
    if (queue.isEmpty() && current == null && retry != null && retry.cancel(false)) {
      retry = null;
      active = false;
      failures = 0;
      notifyAll();
    }
    return dropped;
  }

  /**
   * Waits until no batch of {@code partitions} (any, if null) is being applied, or until
   * {@code deadlineNanos} (a {@link System#nanoTime} value).
   *
   * @return whether the lane got there in time
   */
  synchronized boolean awaitNotApplying(Set<TopicPartition> partitions, long deadlineNanos)
      throws InterruptedException {
    while (current != null && (partitions == null || partitions.contains(current.partition()))) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }

  /**
   * The graph's partition was revoked or lost: whoever gets it next (maybe this writer again)
   * takes the graph over before writing it.
   */
  synchronized void resetOwnership() {
    needsTakeOver = true;
    fenced = false;
  }

  /** Nothing queued, applying or scheduled. */
  synchronized boolean idle() {
    return !active && current == null && queue.isEmpty();
  }
}
