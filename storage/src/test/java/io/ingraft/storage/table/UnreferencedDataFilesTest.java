package io.ingraft.storage.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/** Staged files that were never committed are found, and nothing committed is listed. */
class UnreferencedDataFilesTest {
  private static final Schema SCHEMA =
      new Schema(List.of(Field.notNullable("id", ArrowType.Utf8.INSTANCE)));

  @Test
  void stagedButNeverCommittedFilesAreListed() throws Exception {
    Path root =
        Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "orphans-");
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

  private static StagedWrite stage(TableStore tables, String path, long version, String id) {
    try (VectorSchemaRoot rows =
        ArrowRows.toRoot(SCHEMA, List.of(Map.of("id", id)), tables.allocator())) {
      return tables.stageAppend(path, version, rows);
    }
  }
}
