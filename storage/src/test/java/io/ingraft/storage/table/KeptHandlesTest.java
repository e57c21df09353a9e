package io.ingraft.storage.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.storage.StorageConfig;
import io.ingraft.storage.object.ObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The table handles a store keeps open between writes (the one a commit returned) on real Lance
 * tables: another writer's commit is still seen and refused, a table created again at the same path
 * is never read through the old table's handle, and a released graph's handles are closed.
 */
class KeptHandlesTest {
  @TempDir Path dir;

  private static final String TABLE = KeyIndexTest.TABLE;
  private static final Schema SCHEMA = KeyIndexTest.SCHEMA;

  private static VectorSchemaRoot rows(TableStore tables, long... keys) {
    return KeyIndexTest.rows(tables, Arrays.stream(keys).boxed().toList(), "v");
  }

  private static long append(TableStore tables, String table, long version, long... keys) {
    try (VectorSchemaRoot batch = rows(tables, keys)) {
      return tables.commit(tables.stageAppend(table, version, batch), UUID.randomUUID(), Map.of());
    }
  }

  private ObjectStore open() {
    return ObjectStore.open(StorageConfig.local(dir.resolve("root")));
  }

  @Test
  void anotherWritersCommitIsSeenAndAStaleStageIsRefused() {
    try (ObjectStore storeA = open();
        TableStore a = new TableStore(storeA);
        ObjectStore storeB = open();
        TableStore b = new TableStore(storeB)) {
      long v1 = a.create(TABLE, SCHEMA, "id");
      long v2 = append(a, TABLE, v1, 1, 2);
      assertThat(a.keptHandles()).isEqualTo(1);
      // A zombie (another store, nothing kept in common) commits on top of v2.
      long v3 = append(b, TABLE, v2, 3);
      assertThat(v3).isEqualTo(3);

      assertThat(a.headIfExists(TABLE)).hasValue(3);
      StagedWrite stale;
      try (VectorSchemaRoot batch = rows(a, 4)) {
        stale = a.stageAppend(TABLE, v2, batch);
      }
      assertThatThrownBy(() -> a.commit(stale, UUID.randomUUID(), Map.of()))
          .isInstanceOfSatisfying(
              TableMovedException.class,
              e -> {
                assertThat(e.expected()).isEqualTo(2);
                assertThat(e.actual()).isEqualTo(3);
              });
      assertThat(b.headVersion(TABLE)).isEqualTo(3);
      assertThat(b.count(TABLE, 3)).isEqualTo(3);
    }
  }

  @Test
  void aTableCreatedAgainAtThePathIsNotReadThroughTheOldTablesHandle() throws Exception {
    try (ObjectStore store = open();
        TableStore tables = new TableStore(store)) {
      long version = tables.create(TABLE, SCHEMA, "id");
      version = append(tables, TABLE, version, 1, 2, 3);
      version = append(tables, TABLE, version, 4);
      assertThat(version).isEqualTo(3);
      deleteTree(dir.resolve("root").resolve(TABLE));

      long again = tables.create(TABLE, SCHEMA, "id");
      again = append(tables, TABLE, again, 9);
      again = append(tables, TABLE, again, 10);
      assertThat(again).isEqualTo(3);
      // Version 3 of the new table, not of the old one (which the store committed and kept).
      assertThat(tables.stats(TABLE, 3, 1_000).rows()).isEqualTo(2);
      assertThat(tables.keyIndex(TABLE, 3, "id").toMap()).containsOnlyKeys(9L, 10L);
    }
  }

  @Test
  void releasingAGraphsHandlesClosesThemAndWritesGoOn() {
    String other = "graphs/g2/nodes/P.lance";
    try (ObjectStore store = open();
        TableStore tables = new TableStore(store)) {
      long version = append(tables, TABLE, tables.create(TABLE, SCHEMA, "id"), 1);
      long otherVersion = append(tables, other, tables.create(other, SCHEMA, "id"), 1);
      assertThat(tables.keptHandles()).isEqualTo(2);

      tables.releaseHandles("graphs/g/");
      assertThat(tables.keptHandles()).isEqualTo(1);
      assertThat(append(tables, TABLE, version, 2)).isEqualTo(version + 1);
      assertThat(append(tables, other, otherVersion, 2)).isEqualTo(otherVersion + 1);
      assertThat(tables.count(TABLE, version + 1)).isEqualTo(2);
    }
  }

  private static void deleteTree(Path root) throws java.io.IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
