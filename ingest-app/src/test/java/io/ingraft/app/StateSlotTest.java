package io.ingraft.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams state slots: pipelines with one configuration each get a directory of their own, a
 * released slot is taken again first (so a restarted instance finds its state), and different
 * applications never compete for slots.
 */
class StateSlotTest {
  @TempDir Path base;

  @Test
  void instancesOfOneApplicationGetTheirOwnSlotAndAReleasedOneIsReusedFirst() {
    try (StateSlot first = StateSlot.claim(base, "app");
        StateSlot second = StateSlot.claim(base, "app")) {
      assertThat(first.directory()).isEqualTo(base.resolve("app/instance-0")).isDirectory();
      assertThat(second.directory()).isEqualTo(base.resolve("app/instance-1")).isDirectory();

      first.close();
      try (StateSlot restarted = StateSlot.claim(base, "app")) {
        assertThat(restarted.directory()).isEqualTo(base.resolve("app/instance-0"));
      }
      try (StateSlot other = StateSlot.claim(base, "other-app")) {
        assertThat(other.directory()).isEqualTo(base.resolve("other-app/instance-0"));
      }
    }
  }

  @Test
  void aRelativeBaseBecomesAbsolute() {
    try (StateSlot slot = StateSlot.claim(base.resolve("x/../state"), "app")) {
      assertThat(slot.directory()).isAbsolute().isEqualTo(base.resolve("state/app/instance-0"));
    }
  }
}
