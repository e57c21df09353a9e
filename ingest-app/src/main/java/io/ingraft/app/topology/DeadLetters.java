package io.ingraft.app.topology;

import io.ingraft.app.dlq.DeadLetterHeaders;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** How stage 1 builds the headers of a dead letter. */
final class DeadLetters {
  /** Stage name in {@link DeadLetterHeaders#STAGE}. */
  static final String STAGE = "topology";

  private DeadLetters() {}

  /**
   * The producer's own headers, so that tracing and routing headers survive a re-drive, followed by
   * the reason headers of {@link DeadLetterHeaders#of}. Producer headers in the {@code ingraft.}
   * namespace are dropped: a re-driven dead letter that fails again must carry only its new reason.
   */
  static Headers headers(
      Headers original,
      String code,
      String message,
      String sourceTopic,
      int sourcePartition,
      long sourceOffset,
      String graph,
      String eventId) {
    RecordHeaders out = new RecordHeaders();
    if (original != null) {
      for (Header header : original) {
        if (!header.key().startsWith("ingraft.")) {
          out.add(header);
        }
      }
    }
    for (Header header :
        DeadLetterHeaders.of(
            STAGE, code, message, sourceTopic, sourcePartition, sourceOffset, graph, eventId)) {
      out.add(header);
    }
    return out;
  }
}
