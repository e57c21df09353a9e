package io.ingraft.it.bench;

import java.util.Arrays;

/** A growable array of longs: the send timestamps of a run's events, per graph. */
final class LongList {
  long[] values = new long[1024];
  int size;

  void add(long v) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = v;
  }
}
