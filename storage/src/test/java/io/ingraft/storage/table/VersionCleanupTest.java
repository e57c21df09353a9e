package io.ingraft.storage.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/**
 * Lance's cleanup below a floor removes exactly the versions below it and the files only they
 * reference; the floor and everything above stay readable, and a staged, uncommitted write survives
 * and still commits.
 */
class VersionCleanupTest {
  private static final Schema SCHEMA =
      new Schema(List.of(Field.notNullable("id", ArrowType.Utf8.INSTANCE)));

  @Test
  void removesTheVersionsBelowTheFloorAndNothingElse() throws Exception {
    Path root = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "vclean-");
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      String path = "graphs/g/nodes/N.lance";
      long v = tables.create(path, SCHEMA, "id");
      // Upserts of the same keys: every version replaces the rows of the one before, so the old
      // data files are referenced by old versions only.
      for (int i = 0; i < 6; i++) {
        try (VectorSchemaRoot rows = rows(tables, "a", "b", "c")) {
          v = commit(tables, tables.stageUpsert(path, v, "id", rows));
        }
      }
      assertThat(v).isEqualTo(7);
      long floor = 5;
      long countAtFloor = tables.count(path, floor);
      StagedWrite inFlight;
      try (VectorSchemaRoot rows = rows(tables, "d")) {
        inFlight = tables.stageAppend(path, v, rows);
      }
      VersionCleanup cleanup = new VersionCleanup(store, tables.allocator());

      VersionCleanupResult plan = cleanup.planBelow(path, floor);
      assertThat(plan.versionsRemoved()).isEqualTo(4);
      assertThat(plan.dataFilesRemoved()).isEqualTo(3);
      assertThat(cleanup.versions(path)).hasSize(7);

      long before = size(root);
      VersionCleanupResult done = cleanup.removeBelow(path, floor);
      long after = size(root);

      assertThat(done.versionsRemoved()).isEqualTo(4);
      assertThat(done.dataFilesRemoved()).isEqualTo(3);
      assertThat(done.bytesRemoved()).isPositive().isGreaterThanOrEqualTo(plan.bytesRemoved());
      assertThat(before - after).as("bytes Lance reports").isEqualTo(done.bytesRemoved());
      assertThat(cleanup.versions(path)).containsExactly(5L, 6L, 7L);
      assertThat(tables.count(path, floor)).isEqualTo(countAtFloor);
      assertThatThrownBy(() -> tables.count(path, floor - 1))
          .isInstanceOf(TableVersionNotFoundException.class);
      // The staged write of a writer in flight was not touched and still commits and reads.
      long next = commit(tables, inFlight);
      assertThat(tables.count(path, next)).isEqualTo(4);
      // Again: nothing left to remove.
      assertThat(cleanup.removeBelow(path, floor).versionsRemoved()).isZero();
    }
  }

  private static long commit(TableStore tables, StagedWrite staged) {
    return tables.commit(staged, UUID.randomUUID(), Map.of());
  }

  private static VectorSchemaRoot rows(TableStore tables, String... ids) {
    return ArrowRows.toRoot(
        SCHEMA,
        Stream.of(ids).map(id -> Map.<String, Object>of("id", id)).toList(),
        tables.allocator());
  }

  static long size(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
