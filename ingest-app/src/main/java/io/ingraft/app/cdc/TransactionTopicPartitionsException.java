package io.ingraft.app.cdc;

/**
 * The Debezium transaction topic has more than one partition. Stage 1 takes the source's commit
 * order from the order of the END records in that topic, which only one partition keeps.
 */
public final class TransactionTopicPartitionsException extends CdcTopicPartitionsException {
  public TransactionTopicPartitionsException(String topic, int partitions) {
    super(
        "the CDC transaction topic "
            + topic
            + " has "
            + partitions
            + " partitions; it needs"
            + " exactly 1, because the order of its END records is the source's commit order"
            + " (create it with one partition before the connector starts, see docs/cdc.md)",
        topic,
        partitions);
  }
}
