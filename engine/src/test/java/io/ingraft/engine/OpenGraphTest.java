package io.ingraft.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What a graph's handle decides on its own: when a scheduled retention run may start. */
class OpenGraphTest {
  @Test
  void aRetentionRunStartsOnlyWhenNoneIsGoingAndItsPeriodHasPassed() {
    OpenGraph handle = new OpenGraph(null);
    Instant t0 = Instant.parse("2026-12-04T10:00:00Z");
    Duration every = Duration.ofMinutes(10);

    assertThat(handle.startCollection(t0, every)).as("the first, once the graph is held").isTrue();
    assertThat(handle.startCollection(t0.plus(every), every)).as("one is still going").isFalse();
    handle.collectionDone();
    assertThat(handle.startCollection(t0.plus(every).minusMillis(1), every))
        .as("within the period of the last start")
        .isFalse();
    assertThat(handle.startCollection(t0.plus(every), every)).isTrue();
  }
}
