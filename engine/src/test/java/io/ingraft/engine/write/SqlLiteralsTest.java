package io.ingraft.engine.write;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The IN lists the staging sends to Lance: quoted, and cut at {@link SqlLiterals#CHUNK} keys. */
class SqlLiteralsTest {

  @Test
  void oneListHoldsEveryValueQuoted() {
    assertThat(SqlLiterals.in("from", List.of("a", "o'k", 7L)))
        .isEqualTo("`from` IN ('a', 'o''k', 7)");
  }

  @Test
  void chunksHoldAtMostChunkValuesAndEveryValueOnce() {
    int chunk = SqlLiterals.CHUNK;
    List<Object> values = new ArrayList<>();
    for (int i = 0; i < 2 * chunk + 3; i++) {
      values.add((long) i);
    }
    List<String> chunks = SqlLiterals.inChunks("id", values);
    assertThat(chunks).hasSize(3);
    assertThat(chunks.get(0)).startsWith("`id` IN (0, 1, ").endsWith(", " + (chunk - 1) + ")");
    assertThat(chunks.get(1)).startsWith("`id` IN (" + chunk + ", ");
    assertThat(chunks.get(2))
        .isEqualTo("`id` IN (" + 2 * chunk + ", " + (2 * chunk + 1) + ", " + (2 * chunk + 2) + ")");
    assertThat(SqlLiterals.inChunks("id", List.of())).isEmpty();
  }
}
