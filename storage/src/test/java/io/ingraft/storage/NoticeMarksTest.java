package io.ingraft.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.storage.object.LocalObjectStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Notice marks are never overwritten, and pruning keeps the one in force. */
class NoticeMarksTest {
  static final GraphId G = GraphId.of("g");

  @Test
  void aNewerMarkNeverHidesAnOlderOneUntilPruned(@TempDir Path root) throws Exception {
    try (LocalObjectStore store = new LocalObjectStore(root)) {
      NoticeMarks marks = new NoticeMarks(store);
      NoticeMark first = new NoticeMark(1, 2, "log-0", 5);
      NoticeMark sameEpoch = new NoticeMark(1, 3, "log-0", 9);
      NoticeMark nextEpoch = new NoticeMark(2, 4, "log-0", 30);
      marks.write(G, first);
      marks.write(G, sameEpoch);
      marks.write(G, nextEpoch);
      // The mark in force at offset 10 (version 3) must still be readable after newer writes.
      assertThat(marks.readAll(G)).containsExactlyInAnyOrder(first, sameEpoch, nextEpoch);

      marks.pruneBelow(G, sameEpoch);
      assertThat(marks.readAll(G)).containsExactlyInAnyOrder(sameEpoch, nextEpoch);
    }
  }
}
