package io.ingraft.storage.manifest;

import java.time.Duration;

/**
 * How hard a publish tries after losing a race: at most {@code maxAttempts} put-if-absent attempts,
 * sleeping an exponentially growing, jittered backoff between them.
 */
public record PublishRetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
  public static final PublishRetryPolicy DEFAULT =
      new PublishRetryPolicy(8, Duration.ofMillis(5), Duration.ofMillis(250));

  public PublishRetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1: " + maxAttempts);
    }
    if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("need 0 <= initialBackoff <= maxBackoff");
    }
  }

  /** The backoff before attempt {@code attempt + 1} (attempt counts from 1), before jitter. */
  Duration backoffAfter(int attempt) {
    long millis = initialBackoff.toMillis() << Math.min(attempt - 1, 20);
    return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
  }
}
