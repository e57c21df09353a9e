package io.ingraft.it.bench;

import java.util.Arrays;

/** Nearest-rank percentiles of a set of measured durations, in milliseconds. */
record Percentiles(double p50, double p99, double max, int samples) {

  static Percentiles ofNanos(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return new Percentiles(
        rank(sorted, 0.50), rank(sorted, 0.99), sorted[sorted.length - 1] / 1e6, sorted.length);
  }

  private static double rank(long[] sorted, double p) {
    int index = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
  }
}
