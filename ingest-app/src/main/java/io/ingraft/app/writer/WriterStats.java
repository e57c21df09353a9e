package io.ingraft.app.writer;

import java.time.Instant;
import java.util.Map;

/**
 * A snapshot of what a {@link GraphWriter} has done since it started, for the CLI, the demo and
 * tests to print or wait on. Event counts are summed over every batch attempt that returned, so a
 * batch replayed after a crash or a retry shows up as skipped events.
 *
 * @param recordsRead graph-log records read (events, seals and undecodable records)
 * @param batches batches applied (each the events between two seals of one graph)
 * @param applies engine applies that took them: fewer than {@code batches} when the writer fell
 *     behind and applied a graph's queued batches together
 * @param eventsApplied events the engine applied
 * @param eventsRejected events the engine rejected (each one is dead-lettered)
 * @param eventsSkipped events the engine skipped because a manifest already had them
 * @param deadLetters dead letters sent: rejected events and undecodable records
 * @param commitNotices commit notices sent, one per published manifest version
 * @param retries failed batch attempts that were scheduled again
 * @param fencedBatches batches dropped because another owner took their graph over
 * @param heldEvents events in memory now: buffered until their seal, queued or being applied
 * @param assignedPartitions graph-log partitions assigned now
 * @param lag records behind the end of the assigned partitions, or -1 while not known
 * @param lastPublish when a batch last published a manifest version, or null
 * @param stoppedGraphs graphs this writer stopped for an operator, by graph id
 */
public record WriterStats(
    long recordsRead,
    long batches,
    long applies,
    long eventsApplied,
    long eventsRejected,
    long eventsSkipped,
    long deadLetters,
    long commitNotices,
    long retries,
    long fencedBatches,
    long heldEvents,
    int assignedPartitions,
    long lag,
    Instant lastPublish,
    Map<String, StoppedGraph> stoppedGraphs) {

  public WriterStats {
    stoppedGraphs = Map.copyOf(stoppedGraphs);
  }

  /**
   * Why a graph is stopped: a failure that retrying cannot fix. Its records stay uncommitted until
   * {@code ingraft graph recover} (or a restart) resumes it.
   *
   * @param code the reason code (operations.md, "Stopped graphs")
   * @param message what failed
   * @param action what the operator should do
   * @param since when the graph stopped
   */
  public record StoppedGraph(String code, String message, String action, Instant since) {}
}
