package io.ingraft.app.rebuild;

import java.util.Map;

/**
 * What a {@link LogReplay} did: where it read the graph log and why it stopped, what it applied,
 * and the rebuilt graph's resulting manifest version and source offsets ({@code sources}: the next
 * graph-log offset applied per source partition, exactly as the manifest records it, which is what
 * finds the live version at the same log position).
 *
 * @param graph the graph rebuilt
 * @param topic the graph-log topic read
 * @param partition the graph-log partition the graph's records were on, or -1 if none was found
 * @param stop why the replay ended
 * @param toOffset the requested stop offset, or -1 for the end of the log
 * @param readFrom per partition, the offset the replay started reading at
 * @param readTo per partition, the offset it had read up to (the log's end when it started, or
 *     where the stop offset ended it)
 * @param recordsRead records read, of every graph
 * @param batches the graph's sealed batches applied
 * @param eventsApplied events the engine applied
 * @param eventsRejected events the engine rejected (the live writer dead-lettered them too)
 * @param eventsSkipped events the rebuilt graph already had (a resumed rebuild)
 * @param badRecords the graph's records that do not decode or map (the live writer dead-lettered
 *     them as {@code BAD_LOG_RECORD}; they are no part of the graph)
 * @param unsealedEvents events left out because no seal closed them: at the end of the log (the
 *     live writer has not applied them either), or in the batch that spans the stop offset (a batch
 *     is applied whole or not at all)
 * @param version the rebuilt graph's latest manifest version, or -1 if the graph does not exist
 * @param sources the rebuilt graph's next offset per source partition
 * @param elapsedMs how long the replay took
 */
public record ReplayResult(
    String graph,
    String topic,
    int partition,
    Stop stop,
    long toOffset,
    Map<Integer, Long> readFrom,
    Map<Integer, Long> readTo,
    long recordsRead,
    long batches,
    long eventsApplied,
    long eventsRejected,
    long eventsSkipped,
    long badRecords,
    long unsealedEvents,
    long version,
    Map<String, Long> sources,
    long elapsedMs) {

  /** Why a replay ended. */
  public enum Stop {
    /** Every partition was read to the end it had when the replay started. */
    END_OF_LOG,
    /** The graph's next record lay at or beyond the requested stop offset. */
    TO_OFFSET
  }

  public ReplayResult {
    readFrom = Map.copyOf(readFrom);
    readTo = Map.copyOf(readTo);
    sources = Map.copyOf(sources);
  }

  /** Whether the rebuilt graph exists (the log created it, or a schema was given). */
  public boolean graphExists() {
    return version >= 0;
  }
}
