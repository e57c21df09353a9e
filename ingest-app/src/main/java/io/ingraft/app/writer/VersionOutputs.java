package io.ingraft.app.writer;

import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The side outputs of one manifest version of a graph: its commit notice and one dead letter per
 * event it rejected, waiting for the transaction that commits the graph-log offset past it. {@code
 * advancesTo} is the version's next graph-log offset if the version moved it (it applied or
 * rejected events of the partition), or the position of the notice mark that covers it (a version
 * without events, see {@link io.ingraft.storage.NoticeMark}), else -1: a version is sent in the
 * transaction whose committed offset reaches the {@code advancesTo} of that version or of a later
 * one.
 */
record VersionOutputs(
    String graph,
    long version,
    long advancesTo,
    int deadLetters,
    List<ProducerRecord<byte[], byte[]>> records) {

  VersionOutputs {
    records = List.copyOf(records);
  }

  /**
   * The same outputs, sent no later than with the offset commit that reaches {@code position} (a
   * notice mark's).
   */
  VersionOutputs sentBy(long position) {
    long by = advances() ? Math.min(advancesTo, position) : position;
    return new VersionOutputs(graph, version, by, deadLetters, records);
  }

  /** Whether a committed offset sends the version (it covers events, or is marked). */
  boolean advances() {
    return advancesTo >= 0;
  }
}
