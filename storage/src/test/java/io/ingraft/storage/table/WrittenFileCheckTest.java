package io.ingraft.storage.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.storage.StorageConfig;
import io.ingraft.storage.object.ObjectStore;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongUnaryOperator;
import java.util.stream.LongStream;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The read back of the files Lance writes for a staged write, on real Lance tables on local disk: a
 * deletion file or data file that comes out short (as on a full volume, where Lance has reported
 * such a write as done) fails the stage with a retryable {@link IncompleteFileException} before
 * anything is committed, and staging again writes new, whole files. The last test shows what the
 * check prevents: Lance commits a cut-off deletion file without a word, and the fragment cannot be
 * read from that version on (a table written before the check, or by another tool, gets a stop for
 * an operator rather than retries without end).
 */
class WrittenFileCheckTest {
  @TempDir Path dir;

  private static final String TABLE = KeyIndexTest.TABLE;
  private static final int ROWS = 20_000;

  private ObjectStore store;
  private TableStore tables;
  private long version;

  @BeforeEach
  void tableOfTwentyThousandRows() {
    store = ObjectStore.open(StorageConfig.local(dir.resolve("root")));
    tables = new TableStore(store);
    version = tables.create(TABLE, KeyIndexTest.SCHEMA, "id");
    try (VectorSchemaRoot batch = rows(LongStream.range(0, ROWS), "a")) {
      version =
          tables.commit(tables.stageAppend(TABLE, version, batch), UUID.randomUUID(), Map.of());
    }
  }

  @AfterEach
  void close() {
    tables.close();
    store.close();
  }

  /** Cut lengths of a deletion file: empty, under Arrow's 10-byte tail, half, one byte short. */
  @ParameterizedTest
  @ValueSource(ints = {0, 5, 50, 99})
  void anArrowDeletionFileCutShortFailsTheStageAndStagingAgainCommitsWholeFiles(int percentKept)
      throws Exception {
    AtomicLong cut = cutOnce(".arrow", size -> size * percentKept / 100);

    assertThatThrownBy(() -> stageUpsert(LongStream.of(1, 2, 3), "b"))
        .isInstanceOfSatisfying(
            IncompleteFileException.class,
            e -> {
              assertThat(e.table()).isEqualTo(TABLE);
              assertThat(e.file()).startsWith(TABLE + "/_deletions/0-2-").endsWith(".arrow");
              assertThat(e.bytesOnDisk()).isEqualTo(cut.get());
              assertThat(e.failureKind()).isEqualTo(io.ingraft.FailureKind.RETRYABLE);
            });
    assertThat(tables.headVersion(TABLE)).as("nothing committed").isEqualTo(version);

    long next = commit(stageUpsert(LongStream.of(1, 2, 3), "b"));
    assertThat(tables.count(TABLE, next)).isEqualTo(ROWS);
    assertThat(valuesOf(next, LongStream.of(1, 2, 3, 4))).containsExactly("b1", "b2", "b3", "a4");
  }

  @Test
  void aBitmapDeletionFileCutShortFailsTheStage() {
    // 12,000 of one fragment's 20,000 rows: Lance writes the deletions as a roaring bitmap.
    AtomicLong cut = cutOnce(".bin", size -> size / 2);

    assertThatThrownBy(() -> stageUpsert(LongStream.range(0, 12_000), "b"))
        .isInstanceOfSatisfying(
            IncompleteFileException.class,
            e -> {
              assertThat(e.file()).startsWith(TABLE + "/_deletions/0-2-").endsWith(".bin");
              assertThat(e.bytesOnDisk()).isEqualTo(cut.get());
            });

    long next = commit(stageUpsert(LongStream.range(0, 12_000), "b"));
    assertThat(tables.count(TABLE, next)).isEqualTo(ROWS);
    assertThat(valuesOf(next, LongStream.of(0, 11_999, 12_000)))
        .containsExactly("b0", "b11999", "a12000");
  }

  @Test
  void aDataFileCutShortFailsTheStageWithTheSizeLanceWrote() {
    AtomicLong cut = cutOnce(".lance", size -> size - 1);

    try (VectorSchemaRoot batch = rows(LongStream.range(ROWS, ROWS + 100), "c")) {
      assertThatThrownBy(() -> tables.stageAppend(TABLE, version, batch))
          .isInstanceOfSatisfying(
              IncompleteFileException.class,
              e -> {
                assertThat(e.file()).startsWith(TABLE + "/data/").endsWith(".lance");
                assertThat(e.expectedBytes()).isPositive();
                assertThat(e.bytesOnDisk()).isEqualTo(cut.get());
                assertThat(e.expectedBytes()).isEqualTo(cut.get() + 1);
              });
    }
  }

  @Test
  void aCutOffDeletionFileThatGetsCommittedMakesTheFragmentUnreadable() throws Exception {
    StagedWrite staged = stageUpsert(LongStream.of(1, 2, 3), "b");
    Path deletion;
    try (var files = Files.list(dir.resolve("root").resolve(TABLE).resolve("_deletions"))) {
      deletion = files.findFirst().orElseThrow();
    }
    truncate(deletion, 0);

    long next = commit(staged);
    assertThat(next).as("Lance commits it").isEqualTo(version + 1);
    // The same error as after a full volume: a stop for an operator, not a fault retried forever.
    assertThatThrownBy(() -> valuesOf(next, LongStream.of(4)))
        .isInstanceOfSatisfying(
            UnreadableTableDataException.class,
            e -> assertThat(e.getMessage()).contains("invalid seek to a negative or overflowing"));
  }

  private StagedWrite stageUpsert(LongStream keys, String value) {
    try (VectorSchemaRoot batch = rows(keys, value)) {
      return tables.stageUpsert(TABLE, version, "id", batch);
    }
  }

  private long commit(StagedWrite staged) {
    return tables.commit(staged, UUID.randomUUID(), Map.of());
  }

  private VectorSchemaRoot rows(LongStream keys, String value) {
    return KeyIndexTest.rows(tables, keys.boxed().toList(), value);
  }

  private List<String> valuesOf(long at, LongStream keys) {
    String in = keys.mapToObj(Long::toString).reduce((a, b) -> a + ", " + b).orElseThrow();
    return tables.readRows(TABLE, at, ScanSpec.where("id IN (" + in + ")")).stream()
        .sorted(java.util.Comparator.comparingLong(r -> (Long) r.get("id")))
        .map(r -> String.valueOf(r.get("v")))
        .toList();
  }

  /**
   * Arms the stager's read back to cut the first file whose name ends with {@code suffix} to {@code
   * newSize(size)} bytes, as a full volume does; returns the size it was cut to (-1 until then).
   */
  private AtomicLong cutOnce(String suffix, LongUnaryOperator newSize) {
    AtomicLong cutTo = new AtomicLong(-1);
    tables.stager().writtenFiles.beforeReadBack =
        key -> {
          if (key.endsWith(suffix) && cutTo.get() < 0) {
            Path file = dir.resolve("root").resolve(key);
            try {
              long size = newSize.applyAsLong(Files.size(file));
              truncate(file, size);
              cutTo.set(size);
            } catch (IOException e) {
              throw new AssertionError(e);
            }
          }
        };
    return cutTo;
  }

  private static void truncate(Path file, long size) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.truncate(size);
    }
  }
}
