package io.ingraft.app.writer;

import java.util.Arrays;
import java.util.OptionalLong;

/**
 * The offset bookkeeping of one graph-log partition: which records the writer has read but not yet
 * published, and so which offset it may commit. Graphs share partitions and publish independently,
 * so the committable offset is the lowest offset of any record still pending (buffered, queued or
 * being applied); with nothing pending it is the next offset to read. A committed offset therefore
 * never passes an unpublished record, and a restart re-reads every record that might not be in a
 * manifest yet (the engine skips the ones that are).
 *
 * <p>Offsets must be {@link #seen} in increasing order, as a consumer delivers them; they may be
 * {@link #published} in any order. Storage is two arrays over the window from the lowest pending
 * record to the last one read, so a few hundred thousand pending records cost a few megabytes.
 *
 * <p>Not thread-safe: the writer's poll thread owns it. Only {@link #retire()}, {@link #retired()},
 * {@link #lastCommitted()}, {@link #since()} and {@link #hasBaseline()} may be used from other
 * threads (workers check whether their batch's partition was taken away while they ran, and a
 * takeover reads what the group committed).
 */
public final class PartitionProgress {
  private static final int INITIAL_CAPACITY = 64;

  private long[] offsets = new long[INITIAL_CAPACITY];
  private boolean[] done = new boolean[INITIAL_CAPACITY];

  /** The first entry that is not published; entries before it are forgotten. */
  private int head;

  /** One past the last entry. */
  private int tail;

  private int pending;
  private long lastSeen = -1;
  private long fetchedTo = -1;
  private volatile long lastCommitted = -1;
  private volatile long since = -1;
  private boolean tagPending;
  private volatile boolean retired;

  /**
   * Records that the record at {@code offset} was read and is pending.
   *
   * @return false (and records nothing) if {@code offset} is not after the last one seen: the
   *     record is already tracked
   */
  public boolean seen(long offset) {
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0: " + offset);
    }
    if (offset <= lastSeen) {
      return false;
    }
    if (tail == offsets.length) {
      makeRoom();
    }
    offsets[tail] = offset;
    done[tail] = false;
    tail++;
    pending++;
    lastSeen = offset;
    return true;
  }

  /**
   * Records that the record at {@code offset} is published (in a manifest, or dead-lettered), so it
   * no longer holds the commit back.
   *
   * @return false if the offset was not pending (unknown, or published already)
   */
  public boolean published(long offset) {
    int at = Arrays.binarySearch(offsets, head, tail, offset);
    if (at < 0 || done[at]) {
      return false;
    }
    done[at] = true;
    pending--;
    while (head < tail && done[head]) {
      head++;
    }
    if (head == tail) {
      head = 0;
      tail = 0;
    }
    return true;
  }

  /**
   * Records the consumer's position after a fetch: the next offset it will read. It can be past the
   * last record seen when the log ends with transaction markers, which are never delivered.
   */
  public void fetchedTo(long nextOffset) {
    fetchedTo = Math.max(fetchedTo, nextOffset);
  }

  /**
   * The offset that may be committed now: the lowest pending offset, or, with nothing pending, the
   * next offset to read. Empty while nothing was read or fetched.
   */
  public OptionalLong committable() {
    if (pending > 0) {
      return OptionalLong.of(offsets[head]);
    }
    long next = Math.max(lastSeen + 1, fetchedTo);
    return next > 0 ? OptionalLong.of(next) : OptionalLong.empty();
  }

  /** The committable offset if it is past the last one {@linkplain #committed committed}. */
  public OptionalLong toCommit() {
    OptionalLong next = committable();
    return next.isPresent() && next.getAsLong() > lastCommitted ? next : OptionalLong.empty();
  }

  /** Records that {@code offset} was committed to Kafka. */
  public void committed(long offset) {
    lastCommitted = Math.max(lastCommitted, offset);
    tagPending = false;
  }

  /**
   * Records the group's committed offset found at the assignment, and since when (epoch ms) the
   * group's side-output history runs. With {@code tagPending}, the group had no offset this
   * writer's protocol committed (a new group, or an operator's reset): the offset is committed
   * again, tagged, before anything else.
   */
  public void baseline(long committedOffset, long sinceMillis, boolean tagPending) {
    lastCommitted = committedOffset;
    since = sinceMillis;
    this.tagPending = tagPending;
  }

  /** Whether the group's committed offset and side-output history are known. Any thread. */
  public boolean hasBaseline() {
    return since >= 0;
  }

  /** Since when (epoch ms) the group's side-output history runs, or -1. Any thread. */
  public long since() {
    return since;
  }

  /** Whether the baseline must be committed again with this writer's tag. */
  public boolean tagPending() {
    return tagPending;
  }

  /**
   * The last offset committed through {@link #committed} or found by {@link #baseline}, or -1. Any
   * thread.
   */
  public long lastCommitted() {
    return lastCommitted;
  }

  /** How many records are read but not published. */
  public int pending() {
    return pending;
  }

  /** The last offset seen, or -1. */
  public long lastSeen() {
    return lastSeen;
  }

  /** Marks the partition as no longer this writer's (revoked or lost): its work is stale. */
  public void retire() {
    retired = true;
  }

  /** Whether the partition was revoked or lost after this bookkeeping began. */
  public boolean retired() {
    return retired;
  }

  private void makeRoom() {
    int live = tail - head;
    if (head > 0 && live <= offsets.length / 2) {
      // Slide the window back to the start rather than grow.
      System.arraycopy(offsets, head, offsets, 0, live);
      System.arraycopy(done, head, done, 0, live);
    } else {
      long[] grownOffsets = new long[offsets.length * 2];
      boolean[] grownDone = new boolean[done.length * 2];
      System.arraycopy(offsets, head, grownOffsets, 0, live);
      System.arraycopy(done, head, grownDone, 0, live);
      offsets = grownOffsets;
      done = grownDone;
    }
    head = 0;
    tail = live;
  }
}
