package io.ingraft.app.writer;

import io.ingraft.storage.manifest.Manifest;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;

/**
 * The sealed batches of one graph, applied strictly in order, one apply at a time: the engine takes
 * one writer thread per graph, and a later batch must never overtake an earlier (or a failed) one.
 * The poll thread offers batches; at most one runner (a worker task, or a retry scheduled after a
 * failure) takes them. When several mutation batches are queued (the writer is behind), the runner
 * takes them together, up to a cap, so that a backlog turns into larger applies rather than a
 * longer queue. Also carries the graph's ownership state: whether the next apply must first take
 * the graph over, and whether this writer was fenced out of it.
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
    /** Refused: the writer was fenced out of this graph, or stopped it for an operator. */
    FENCED
  }

  /**
   * The batches a runner should apply next, as one apply, in log order, all read from the same
   * assignment of the partition; and whether it must take the graph over first.
   */
  record Work(List<PendingBatch> batches, boolean takeOver) {
    Work {
      batches = List.copyOf(batches);
      if (batches.isEmpty()) {
        throw new IllegalArgumentException("work without batches");
      }
    }

    PendingBatch first() {
      return batches.get(0);
    }

    int events() {
      int events = 0;
      for (PendingBatch batch : batches) {
        events += batch.size();
      }
      return events;
    }

    @Override
    public String toString() {
      if (batches.size() == 1) {
        return first().toString();
      }
      PendingBatch last = batches.get(batches.size() - 1);
      return batches.size()
          + " batches "
          + first().sequence()
          + ".."
          + last.sequence()
          + " of graph "
          + first().graph()
          + " ("
          + first().partition()
          + " offsets "
          + first().firstOffset()
          + ".."
          + last.sealOffset()
          + ", "
          + events()
          + " events)";
    }
  }

  private final String graph;
  private final TopicPartition partition;
  private final int maxApplyEvents;
  private final ArrayDeque<PendingBatch> queue = new ArrayDeque<>();
  private List<PendingBatch> current;
  private boolean active;
  private ScheduledFuture<?> retry;
  private boolean needsTakeOver = true;
  private boolean fenced;
  private boolean stopped;
  private int failures;

  /** The graph's last version whose side outputs were handed on (null: none yet). */
  private Manifest lastVersion;

  /** When the current streak of failures began (null: no streak), and whether it is recorded. */
  private Instant failingSince;

  private boolean retryRecorded;

  /**
   * @param maxApplyEvents the most events queued batches are coalesced up to (a single batch larger
   *     than that is still taken, alone)
   */
  GraphLane(String graph, TopicPartition partition, int maxApplyEvents) {
    this.graph = graph;
    this.partition = partition;
    this.maxApplyEvents = maxApplyEvents;
  }

  String graph() {
    return graph;
  }

  /** The partition the graph's records come from. */
  TopicPartition partition() {
    return partition;
  }

  synchronized Offer offer(PendingBatch batch) {
    if (fenced || stopped) {
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
   * The next work for the runner, or null when there is none (or the writer is stopping, in which
   * case the queue is dropped): the runner must then return, and the lane is inactive. The head
   * batch comes with the mutation batches queued right behind it, as long as they were read from
   * the same assignment of the partition and the events stay within the cap. A batch holding a load
   * or a schema change is never coalesced: stage 1 gave it a batch of its own.
   */
  synchronized Work take(boolean stopping) {
    retry = null;
    if (stopping) {
      queue.clear();
    }
    PendingBatch head = queue.pollFirst();
    if (head == null) {
      active = false;
      notifyAll();
      return null;
    }
    List<PendingBatch> batches = new ArrayList<>();
    batches.add(head);
    if (head.mutationsOnly()) {
      long events = head.size();
      for (PendingBatch next = queue.peekFirst(); next != null; next = queue.peekFirst()) {
        if (next.progress() != head.progress()
            || !next.mutationsOnly()
            || events + next.size() > maxApplyEvents) {
          break;
        }
        batches.add(queue.pollFirst());
        events += next.size();
      }
    }
    current = List.copyOf(batches);
    boolean takeOver = needsTakeOver;
    needsTakeOver = false;
    return new Work(current, takeOver);
  }

  /** The current work is done (applied, or dropped as stale). */
  synchronized void finished() {
    current = null;
    failures = 0;
    notifyAll();
  }

  /**
   * The current work failed: its batches go back to the head of the queue, in order, and {@code
   * schedule} (called under the lock, so the retry cannot start before it is recorded) arranges the
   * retry.
   *
   * @param takeOverAgain whether the graph must be taken over before the retry
   * @return the number of consecutive failures, this one included
   */
  synchronized int failed(Work work, boolean takeOverAgain, Supplier<ScheduledFuture<?>> schedule) {
    current = null;
    failures++;
    for (int i = work.batches().size() - 1; i >= 0; i--) {
      queue.addFirst(work.batches().get(i));
    }
    needsTakeOver |= takeOverAgain;
    retry = schedule.get();
    notifyAll();
    return failures;
  }

  /**
   * The current work may not run now (no worker capacity for its kind): its batches go back to the
   * head of the queue, in order, and {@code schedule} arranges the next attempt. Not a failure.
   */
  synchronized void deferred(Work work, Supplier<ScheduledFuture<?>> schedule) {
    current = null;
    for (int i = work.batches().size() - 1; i >= 0; i--) {
      queue.addFirst(work.batches().get(i));
    }
    needsTakeOver |= work.takeOver();
    retry = schedule.get();
    notifyAll();
  }

  /** How many consecutive attempts of the head work failed. */
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
   * A failure that needs an operator stopped the graph: as on a fence, the current batch and the
   * queued ones are dropped (returned) and later offers refused, until {@link #resetOwnership}.
   */
  synchronized List<PendingBatch> stop() {
    stopped = true;
    List<PendingBatch> dropped = fence();
    fenced = false;
    return dropped;
  }

  synchronized boolean stopped() {
    return stopped;
  }

  synchronized Manifest lastVersion() {
    return lastVersion;
  }

  synchronized void lastVersion(Manifest version) {
    lastVersion = version;
  }

  /**
   * Records a failure of the head work at {@code now}.
   *
   * @return when the streak of failures it belongs to began
   */
  synchronized Instant failingSince(Instant now) {
    if (failingSince == null) {
      failingSince = now;
    }
    return failingSince;
  }

  /** The streak of failures is over; returns whether it had been recorded in storage. */
  synchronized boolean recovered() {
    failingSince = null;
    boolean recorded = retryRecorded;
    retryRecorded = false;
    return recorded;
  }

  synchronized void retryRecorded() {
    retryRecorded = true;
  }

  /**
   * Drops (returns) the queued batches of {@code partitions} (all, if null) that have not started.
   * A batch being applied is not touched. A pending retry with nothing left to do is cancelled, so
   * a later batch does not wait out its backoff.
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
      failingSince = null;
      notifyAll();
    }
    return dropped;
  }

  /**
   * Waits until no batch of {@code partitions} (any, if null) is being applied, or until {@code
   * deadlineNanos} (a {@link System#nanoTime} value).
   *
   * @return whether the lane got there in time
   */
  synchronized boolean awaitNotApplying(Set<TopicPartition> partitions, long deadlineNanos)
      throws InterruptedException {
    while (current != null
        && (partitions == null || partitions.contains(current.get(0).partition()))) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }

  /**
   * The graph's partition was revoked or lost: whoever gets it next (maybe this writer again) takes
   * the graph over before writing it.
   */
  synchronized void resetOwnership() {
    needsTakeOver = true;
    fenced = false;
    stopped = false;
  }

  /** Nothing queued, applying or scheduled. */
  synchronized boolean idle() {
    return !active && current == null && queue.isEmpty();
  }
}
