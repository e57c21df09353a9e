package io.ingraft.app.writer;

import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The side outputs of one manifest version of a graph: its commit notice and one dead letter per
 * event it rejected, waiting for the transaction that commits the graph-log offset past it. {@code
 * advancesTo} is the version's next graph-log offset if the version moved it (it applied or
 * rejected events of the partition), else -1: a version is sent in the transaction whose committed
 * offset reaches the {@code advancesTo} of that version or of a later one.
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

  /** Whether the version moved the graph-log offset (it covers events). */
  boolean advances() {
    return advancesTo >= 0;
  }
}
