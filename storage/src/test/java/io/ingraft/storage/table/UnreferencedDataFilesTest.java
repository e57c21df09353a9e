package io.ingraft.storage.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectInfo;
import io.ingraft.storage.object.ObjectStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Staged files that were never committed are found, and nothing committed is listed. */
class UnreferencedDataFilesTest {
  private static final Schema SCHEMA =
      new Schema(List.of(Field.notNullable("id", ArrowType.Utf8.INSTANCE)));

  @TempDir Path root;

  @Test
  void stagedButNeverCommittedFilesAreListed() throws Exception {
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      String path = "graphs/g/nodes/N.lance";
      long v1 = tables.create(path, SCHEMA, "id");
      StagedWrite committed = stage(tables, path, v1, "a");
      StagedWrite abandoned = stage(tables, path, v1, "b");
      assertThat(tables.unreferencedDataFiles(path)).hasSize(2);

      long v2 = tables.commit(committed, UUID.randomUUID(), Map.of());
      List<String> orphans = tables.unreferencedDataFiles(path);
      assertThat(orphans)
          .singleElement()
          .satisfies(
              key -> {
                assertThat(key).startsWith(path + "/data/");
                assertThat(abandoned.newFragments().get(0).getFiles().get(0).getPath())
                    .isEqualTo(key.substring((path + "/data/").length()));
              });
      // A later version that deletes the committed rows still leaves its file referenced by v2.
      tables.commit(tables.stageDelete(path, v2, "id", List.of("a")), UUID.randomUUID(), Map.of());
      assertThat(tables.unreferencedDataFiles(path)).isEqualTo(orphans);
    }
  }

  @Test
  void onlyOldFilesNoVersionReferencesAreFoundOlderThanTheCutoff() throws Exception {
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      String path = "graphs/g/nodes/N.lance";
      long v1 = tables.create(path, SCHEMA, "id");
      long v2 = tables.commit(stage(tables, path, v1, "a"), UUID.randomUUID(), Map.of());
      StagedWrite abandoned = stage(tables, path, v2, "b");
      long v3 = tables.commit(stage(tables, path, v2, "c"), UUID.randomUUID(), Map.of());
      // Deleting every row of "a"'s fragment drops it from HEAD; versions 2 and 3 still reference
      // its file, which must not be taken for an orphan.
      tables.commit(tables.stageDelete(path, v3, "id", List.of("a")), UUID.randomUUID(), Map.of());
      String abandonedKey =
          path + "/data/" + abandoned.newFragments().get(0).getFiles().get(0).getPath();

      List<ObjectInfo> old =
          tables.unreferencedDataFilesOlderThan(path, Instant.now().plusSeconds(60));

      assertThat(old).extracting(ObjectInfo::key).containsExactly(abandonedKey);
      assertThat(old.get(0).size()).isPositive();
      assertThat(tables.unreferencedDataFiles(path)).containsExactly(abandonedKey);
      assertThat(tables.unreferencedDataFilesOlderThan(path, Instant.now().minusSeconds(3600)))
          .as("every file is younger than an hour ago")
          .isEmpty();
    }
  }

  private static StagedWrite stage(TableStore tables, String path, long version, String id) {
    try (VectorSchemaRoot rows =
        ArrowRows.toRoot(SCHEMA, List.of(Map.of("id", id)), tables.allocator())) {
      return tables.stageAppend(path, version, rows);
    }
  }
}
