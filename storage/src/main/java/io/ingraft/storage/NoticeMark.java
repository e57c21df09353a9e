package io.ingraft.storage;

import java.util.Objects;

/**
 * Which offset commit carries the side outputs of a graph's newest versions when they cover no
 * events (an epoch claim, a recovery roll-back, maintenance): those versions move no graph-log
 * offset, so nothing in the manifests says whether their commit notices went out. The writer
 * records this mark before it queues them, and sends them in the transaction whose committed offset
 * of {@code source} reaches {@code position}, a position that was not committed when the mark was
 * written. So after a crash, versions up to {@code version} were sent exactly when the group's
 * committed offset of {@code source} has reached {@code position}. Each mark is a file of its own
 * ({@link NoticeMarks}), never overwritten: neither a newer mark of the same owner nor a late one
 * of a former owner can hide a mark already in force. The position lies just above one of the
 * graph's seals; the writer hands every seal it reads to the graph's lane, so an assignment that
 * re-reads it takes the graph over (and queues the versions the mark covers) before its commits
 * can pass the position.
 *
 * @param epoch the owner epoch of the writer that wrote it
 * @param version the newest version the mark covers (with every older one)
 * @param source the graph-log partition, as manifests name sources ({@code topic-partition})
 * @param position the committed offset that sends them
 */
public record NoticeMark(long epoch, long version, String source, long position) {
  public NoticeMark {
    Objects.requireNonNull(source, "source");
  }
}
