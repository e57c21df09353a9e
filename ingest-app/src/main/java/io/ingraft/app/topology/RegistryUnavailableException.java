package io.ingraft.app.topology;

import io.ingraft.app.AppException;

/**
 * The schema registry could not be asked for the writer schema of a Confluent-framed record, even
 * after a short retry. The record is not at fault, so it is never dead-lettered: stage 1 fails its
 * stream thread instead, and {@link IngestTopology#uncaughtExceptionHandler()} replaces the thread,
 * which re-reads the record from the last committed offset.
 */
public final class RegistryUnavailableException extends AppException {
  private final String sourceTopic;
  private final int sourcePartition;
  private final long sourceOffset;

  public RegistryUnavailableException(
      String sourceTopic, int sourcePartition, long sourceOffset, Throwable cause) {
    super(
        "schema registry unavailable while decoding "
            + sourceTopic
            + "-"
            + sourcePartition
            + "@"
            + sourceOffset
            + ": "
            + cause.getMessage(),
        cause);
    this.sourceTopic = sourceTopic;
    this.sourcePartition = sourcePartition;
    this.sourceOffset = sourceOffset;
  }

  public String sourceTopic() {
    return sourceTopic;
  }

  public int sourcePartition() {
    return sourcePartition;
  }

  public long sourceOffset() {
    return sourceOffset;
  }
}
