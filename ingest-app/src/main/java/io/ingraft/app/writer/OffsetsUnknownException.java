package io.ingraft.app.writer;

import io.ingraft.FailureKind;
import io.ingraft.app.AppException;
import org.apache.kafka.common.TopicPartition;

/**
 * The group's committed offset of a partition is not known yet (the broker did not answer), so a
 * graph of it cannot be taken over: the takeover needs it to find the versions whose side outputs a
 * crash left unsent. Retryable.
 */
public final class OffsetsUnknownException extends AppException {
  private final TopicPartition partition;

  public OffsetsUnknownException(TopicPartition partition) {
    super("the writer group's committed offset of " + partition + " is not known yet");
    this.partition = partition;
  }

  public TopicPartition partition() {
    return partition;
  }

  @Override
  public FailureKind failureKind() {
    return FailureKind.RETRYABLE;
  }
}
