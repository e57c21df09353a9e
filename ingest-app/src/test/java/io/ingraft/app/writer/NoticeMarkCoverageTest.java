package io.ingraft.app.writer;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.storage.NoticeMark;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A version without events counts as sent when any mark in force covers it: a newer mark that is
 * not in force yet (its commit never happened) must not undo an older one that is.
 */
class NoticeMarkCoverageTest {
  @Test
  void anOlderMarkInForceStillCoversItsVersionsAfterANewerMarkIsWritten() {
    NoticeMark inForce = new NoticeMark(1, 2, "log-0", 5);
    NoticeMark notYet = new NoticeMark(2, 4, "log-0", 30);
    List<NoticeMark> marks = List.of(notYet, inForce);

    assertThat(SideOutputs.covered(marks, "log-0", 2, 10)).as("version 2, sent").isTrue();
    assertThat(SideOutputs.covered(marks, "log-0", 4, 10)).as("version 4, not yet").isFalse();
    assertThat(SideOutputs.covered(marks, "log-0", 4, 30)).as("version 4, sent").isTrue();
    assertThat(SideOutputs.covered(marks, "log-1", 2, 10)).as("another partition").isFalse();
    assertThat(SideOutputs.covered(List.of(), "log-0", 1, 100)).isFalse();
  }
}
