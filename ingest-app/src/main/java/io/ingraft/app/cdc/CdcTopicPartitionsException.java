package io.ingraft.app.cdc;

import io.ingraft.app.AppException;

/**
 * A CDC topic has a partition count stage 1 cannot run with: the transaction topic more than one
 * ({@link TransactionTopicPartitionsException}), or, with {@code ingraft.cdc.single-partition}, a
 * change topic more than one ({@link ChangeTopicPartitionsException}). Stage 1 does not start.
 */
public abstract sealed class CdcTopicPartitionsException extends AppException
    permits TransactionTopicPartitionsException, ChangeTopicPartitionsException {
  private final String topic;
  private final int partitions;

  protected CdcTopicPartitionsException(String message, String topic, int partitions) {
    super(message);
    this.topic = topic;
    this.partitions = partitions;
  }

  public String topic() {
    return topic;
  }

  public int partitions() {
    return partitions;
  }
}
