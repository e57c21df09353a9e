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
 * of a former owner can hide a mark already in force. A takeover writes one too, for everything it
 * found unsent, just above the first seal of the graph it reads; since every mark's position lies
 * just above one of the graph's seals, which the next assignment reads when the mark's own commit
 * never happened, a mark is never reached before what it covers was sent.
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
