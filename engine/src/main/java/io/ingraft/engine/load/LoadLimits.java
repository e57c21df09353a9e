package io.ingraft.engine.load;

import java.time.Duration;

/**
 * What one file load may cost: at most {@code maxBytes} bytes read, {@code maxRows} rows, and
 * {@code timeout} from the start of the read to its last row. A file that breaks a limit is refused
 * whole ({@code LOAD_TOO_LARGE}, {@code LOAD_TIMEOUT}); nothing beyond {@code maxBytes} is ever
 * read into memory, and a writer worker never waits longer than {@code timeout}.
 */
public record LoadLimits(long maxBytes, long maxRows, Duration timeout) {
  /** 64 MiB, 1,000,000 rows, 30 s (docs/operations.md, "File loads"). */
  public static final LoadLimits DEFAULT =
      new LoadLimits(64L << 20, 1_000_000, Duration.ofSeconds(30));

  public LoadLimits {
    if (maxBytes < 1
        || maxRows < 1
        || timeout == null
        || timeout.isNegative()
        || timeout.isZero()) {
      throw new IllegalArgumentException(
          "load limits must be positive: " + maxBytes + " bytes, " + maxRows + " rows, " + timeout);
    }
  }
}
