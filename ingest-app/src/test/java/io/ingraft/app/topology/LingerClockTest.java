package io.ingraft.app.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.config.IngraftConfig;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** When a batch's linger ends, with and without the spread over the period. */
class LingerClockTest {
  private static final long LINGER = 500;

  private static LingerClock clock(boolean spread) {
    return new LingerClock(
        new IngraftConfig.Sealing(20_000, 1 << 24, Duration.ofMillis(LINGER), spread));
  }

  @Test
  void withoutTheSpreadABatchIsDueTheLingerAfterItsFirstEvent() {
    LingerClock clock = clock(false);
    assertThat(clock.dueAt("g1", 1_000)).isEqualTo(1_500);
    assertThat(clock.dueAt("g2", 1_000)).isEqualTo(1_500);
  }

  @Test
  void aSpreadBatchIsDueAtItsGraphsNextTickAtMostTheLingerAfterItOpened() {
    LingerClock clock = clock(true);
    for (String graph : new String[] {"g1", "tenant-42", "orders"}) {
      long tick = clock.dueAt(graph, 0);
      for (long opened = 1_000_000; opened < 1_002_000; opened += 7) {
        long due = clock.dueAt(graph, opened);
        assertThat(due - opened).isBetween(1L, LINGER);
        // Always one of the graph's ticks: a busy graph seals once a linger, on the same beat.
        assertThat(Math.floorMod(due - tick, LINGER)).isZero();
      }
      // A batch opened on a tick waits a whole linger.
      assertThat(clock.dueAt(graph, tick)).isEqualTo(tick + LINGER);
    }
  }

  @Test
  void graphsTicksAreSpreadOverThePeriod() {
    LingerClock clock = clock(true);
    // 1,000 graphs named alike (the ids' own hashes differ only in their last digits): every
    // tenth of the period holds a tenth of their ticks, give or take half.
    int[] tenths = new int[10];
    IntStream.range(0, 1_000)
        .forEach(i -> tenths[(int) (clock.phaseOf("graph-" + i) * 10 / LINGER)]++);
    assertThat(Arrays.stream(tenths).boxed()).allSatisfy(n -> assertThat(n).isBetween(50, 150));
  }
}
