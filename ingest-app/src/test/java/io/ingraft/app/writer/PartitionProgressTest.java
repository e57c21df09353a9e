package io.ingraft.app.writer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class PartitionProgressTest {
  final PartitionProgress progress = new PartitionProgress();

  @Test
  void nothingIsCommittableBeforeAnythingIsRead() {
    assertThat(progress.committable()).isEmpty();
    assertThat(progress.toCommit()).isEmpty();
  }

  @Test
  void theLowestPendingOffsetHoldsTheCommitBack() {
    for (long offset = 10; offset < 15; offset++) {
      progress.seen(offset);
    }
    assertThat(progress.committable()).hasValue(10);

    // Graph B (11, 13) publishes before graph A (10, 12, 14): nothing moves.
    progress.published(11);
    progress.published(13);
    assertThat(progress.committable()).hasValue(10);
    assertThat(progress.pending()).isEqualTo(3);

    progress.published(10);
    assertThat(progress.committable()).hasValue(12);
    progress.published(12);
    assertThat(progress.committable()).hasValue(14);
    progress.published(14);
    assertThat(progress.committable()).hasValue(15);
    assertThat(progress.pending()).isZero();
  }

  @Test
  void withNothingPendingTheNextOffsetToReadIsCommittable() {
    progress.seen(4);
    progress.published(4);
    assertThat(progress.committable()).hasValue(5);

    // The log ends with a transaction marker at 5: the consumer is at 6.
    progress.fetchedTo(6);
    assertThat(progress.committable()).hasValue(6);

    progress.seen(6);
    assertThat(progress.committable()).hasValue(6);
  }

  @Test
  void gapsInOffsetsAreFine() {
    // read_committed skips aborted records and markers: offsets are increasing, not contiguous.
    progress.seen(3);
    progress.seen(7);
    progress.seen(20);
    progress.published(7);
    assertThat(progress.committable()).hasValue(3);
    progress.published(3);
    assertThat(progress.committable()).hasValue(20);
  }

  @Test
  void aRecordReadAgainIsNotTrackedTwice() {
    assertThat(progress.seen(5)).isTrue();
    assertThat(progress.seen(5)).isFalse();
    assertThat(progress.seen(4)).isFalse();
    assertThat(progress.pending()).isEqualTo(1);
  }

  @Test
  void publishingAnUnknownOrPublishedOffsetChangesNothing() {
    progress.seen(1);
    progress.seen(2);
    assertThat(progress.published(9)).isFalse();
    assertThat(progress.published(2)).isTrue();
    assertThat(progress.published(2)).isFalse();
    assertThat(progress.committable()).hasValue(1);
    assertThat(progress.pending()).isEqualTo(1);
  }

  @Test
  void onlyAnAdvanceIsToBeCommitted() {
    progress.seen(0);
    progress.seen(1);
    progress.published(0);
    assertThat(progress.toCommit()).hasValue(1);
    progress.committed(1);
    assertThat(progress.toCommit()).isEmpty();
    assertThat(progress.lastCommitted()).isEqualTo(1);

    progress.published(1);
    assertThat(progress.toCommit()).hasValue(2);
  }

  @Test
  void retiringIsVisible() {
    assertThat(progress.retired()).isFalse();
    progress.retire();
    assertThat(progress.retired()).isTrue();
  }

  @Test
  void agreesWithASortedSetModelUnderRandomInterleavings() {
    Random random = new Random(42);
    TreeSet<Long> model = new TreeSet<>();
    List<Long> unpublished = new ArrayList<>();
    long next = 0;
    long lastSeen = -1;
    for (int step = 0; step < 200_000; step++) {
      if (unpublished.isEmpty() || random.nextInt(100) < 55) {
        next += 1 + random.nextInt(3);
        progress.seen(next);
        model.add(next);
        unpublished.add(next);
        lastSeen = next;
      } else {
        // Mostly near the head, sometimes far behind: graphs publish out of order.
        int index =
            random.nextInt(100) < 80
                ? random.nextInt(Math.min(8, unpublished.size()))
                : random.nextInt(unpublished.size());
        long offset = unpublished.remove(index);
        assertThat(progress.published(offset)).isTrue();
        model.remove(offset);
      }
      OptionalLong expected =
          model.isEmpty() ? OptionalLong.of(lastSeen + 1) : OptionalLong.of(model.first());
      if (!progress.committable().equals(expected)) {
        throw new AssertionError(
            "step " + step + ": expected " + expected + " but was " + progress.committable());
      }
      assertThat(progress.pending()).isEqualTo(model.size());
    }
    Collections.shuffle(unpublished, random);
    unpublished.forEach(progress::published);
    assertThat(progress.committable()).hasValue(lastSeen + 1);
  }
}
