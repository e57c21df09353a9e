package io.ingraft.storage;

import java.time.Instant;
import java.util.Objects;

/**
 * A graph whose writes keep failing with a retryable failure (storage or broker unavailable, a lost
 * claim): the writer retries them on a capped backoff, and records the streak here once it is long
 * enough to matter, so that {@code ingraft graph verify} and {@code graph status} can say the graph
 * is stuck. Removed by the writer's next successful write of the graph. Stored at {@code
 * graphs/<id>/_writer/retrying.json}.
 *
 * @param since when the first failure of the streak happened
 * @param attempts how many attempts have failed in a row
 * @param error the last failure
 * @param lastAttempt when the last attempt failed
 * @param writer the writer that is retrying
 */
public record RetryRecord(
    Instant since, int attempts, String error, Instant lastAttempt, String writer) {
  public RetryRecord {
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(lastAttempt, "lastAttempt");
    error = error == null ? "" : error;
    writer = writer == null ? "" : writer;
  }
}
