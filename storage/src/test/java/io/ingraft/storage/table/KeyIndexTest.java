package io.ingraft.storage.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.storage.StorageConfig;
import io.ingraft.storage.object.ObjectStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key → row-address index: its hash table against a plain map, and on a real Lance table (Int64
 * keys) a keyed write staged through it, advanced over commits and compactions, compared with a
 * fresh scan of {@code key,_rowaddr}.
 */
class KeyIndexTest {
  @TempDir Path dir;

  @Test
  void putsMovesAndRemovesMatchAPlainMap() {
    for (KeySet.KeyType type : KeySet.KeyType.values()) {
      KeyIndex index = new KeyIndex("t", "k", type, 1, 0);
      Map<Object, Long> model = new HashMap<>();
      Random random = new Random(7);
      for (int i = 0; i < 200_000; i++) {
        int n = random.nextInt(5_000);
        Object key =
            switch (type) {
              case UTF8 -> "k" + n;
              case INT32 -> n;
              case INT64 -> (long) n << 20;
            };
        if (random.nextInt(3) == 0) {
          index.remove(key);
          model.remove(key);
        } else {
          long address = random.nextLong() & Long.MAX_VALUE;
          index.put(key, address);
          model.put(key, address);
        }
      }
      assertThat(index.size()).isEqualTo(model.size());
      assertThat(index.toMap()).as("%s", type).isEqualTo(model);
      assertThat(index.keys()).containsExactlyInAnyOrderElementsOf(model.keySet());
      for (int n = 0; n < 5_000; n++) {
        Object key = type == KeySet.KeyType.UTF8 ? "k" + n : n;
        if (type != KeySet.KeyType.INT64) {
          assertThat(index.addressOf(key)).isEqualTo(model.getOrDefault(key, -1L));
        }
      }
    }
  }

  @Test
  void utf8KeysOfEveryLengthSurviveGrowthRemovalsAndArenaRewrites() {
    KeyIndex index = new KeyIndex("t", "k", KeySet.KeyType.UTF8, 1, 0);
    Map<Object, Long> model = new HashMap<>();
    Random random = new Random(11);
    // Lengths around the one- and five-byte length headers, multi-byte characters, and keys
    // longer than an arena page (1 MiB), which get pages of their own.
    List<String> keys = new ArrayList<>();
    for (int length : new int[] {0, 1, 126, 127, 128, 129, 4_095, 4_096, 70_000}) {
      keys.add("x".repeat(length));
      keys.add("é".repeat(length / 2 + 1));
    }
    keys.add("y".repeat((1 << 20) + 3));
    keys.add("z".repeat(3 << 20));
    for (int i = 0; i < 60_000; i++) {
      keys.add("key-" + i + "-" + "p".repeat(random.nextInt(150)));
    }
    for (int i = 0; i < keys.size(); i++) {
      index.put(keys.get(i), i);
      model.put(keys.get(i), (long) i);
    }
    assertThat(index.toMap()).isEqualTo(model);
    // Remove nine keys in ten: their bytes outweigh the live ones, so a later put rewrites the
    // arena (and the moves of backward-shift deletion must keep every key findable).
    for (int i = 0; i < keys.size(); i++) {
      if (i % 10 != 0) {
        index.remove(keys.get(i));
        model.remove(keys.get(i));
      }
    }
    for (int i = 0; i < 2_000; i++) {
      String key = "new-" + i;
      index.put(key, 1_000_000L + i);
      model.put(key, 1_000_000L + i);
      String old = keys.get(10 * random.nextInt(keys.size() / 10));
      index.put(old, 2_000_000L + i);
      model.put(old, 2_000_000L + i);
    }
    assertThat(index.size()).isEqualTo(model.size());
    assertThat(index.toMap()).isEqualTo(model);
    for (String key : keys) {
      assertThat(index.addressOf(key)).isEqualTo(model.getOrDefault(key, -1L));
    }
    assertThat(index.contains("x".repeat(130))).isFalse();
  }

  static final String TABLE = "graphs/g/nodes/P.lance";
  static final Schema SCHEMA =
      new Schema(
          List.of(
              new Field("id", FieldType.notNullable(new ArrowType.Int(64, true)), null),
              new Field("v", FieldType.nullable(ArrowType.Utf8.INSTANCE), null)));

  /** A batch of {@link #SCHEMA} rows: each key with {@code value + key}. */
  static VectorSchemaRoot rows(TableStore tables, List<Long> keys, String value) {
    VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, tables.allocator());
    BigIntVector id = (BigIntVector) root.getVector("id");
    VarCharVector v = (VarCharVector) root.getVector("v");
    root.allocateNew();
    for (int i = 0; i < keys.size(); i++) {
      id.setSafe(i, keys.get(i));
      v.setSafe(i, (value + keys.get(i)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    root.setRowCount(keys.size());
    return root;
  }

  @Test
  void keyedWritesThroughTheIndexStayEqualToAFreshScan() {
    try (ObjectStore store = ObjectStore.open(StorageConfig.local(dir.resolve("root")));
        TableStore tables = new TableStore(store)) {
      long version = tables.create(TABLE, SCHEMA, "id");
      List<Long> initial = new ArrayList<>();
      for (long k = 0; k < 1_000; k++) {
        initial.add(k);
      }
      try (VectorSchemaRoot batch = rows(tables, initial, "a")) {
        version = tables.commit(tables.stageAppend(TABLE, version, batch), UUID.randomUUID(), null);
      }
      KeyIndex index = tables.keyIndex(TABLE, version, "id");
      assertThat(index.size()).isEqualTo(1_000);
      Random random = new Random(3);
      Map<Long, String> model = new HashMap<>();
      initial.forEach(k -> model.put(k, "a" + k));
      for (int round = 0; round < 12; round++) {
        List<Long> written = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          long key = random.nextInt(1_500);
          if (!written.contains(key)) {
            written.add(key);
          }
        }
        List<Long> deleted = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          deleted.add((long) random.nextInt(1_500));
        }
        deleted.removeAll(written);
        StagedWrite staged;
        try (VectorSchemaRoot batch = rows(tables, written, "r" + round + "-")) {
          staged = tables.stageMerge(TABLE, version, "id", batch, deleted, index);
        }
        long committed = tables.commit(staged, UUID.randomUUID(), null);
        if (round % 3 == 1) {
          // A wrong or missing hint of where the new fragments start: the advance lists them.
          index.highestFragmentId(round % 2 == 0 ? -1 : index.highestFragmentId() + 7);
        }
        deleted.forEach(model::remove);
        for (long key : written) {
          model.put(key, "r" + round + "-" + key);
        }
        assertThat(tables.advanceKeyIndex(index, staged, committed, deleted, written)).isTrue();
        version = committed;
        if (round % 4 == 3) {
          StagedWrite compaction =
              tables.stageCompaction(TABLE, version, 10_000, 0.1).orElseThrow();
          version = tables.commit(compaction, UUID.randomUUID(), null);
          assertThat(tables.advanceKeyIndex(index, compaction, version, Set.of(), List.of()))
              .isTrue();
        }
        assertThat(index.isAt(TABLE, version)).isTrue();
        assertThat(index.toMap()).isEqualTo(tables.keyIndex(TABLE, version, "id").toMap());
        Map<Long, String> read = new HashMap<>();
        for (Map<String, Object> row : tables.readRows(TABLE, version, ScanSpec.all())) {
          read.put((Long) row.get("id"), (String) row.get("v"));
        }
        assertThat(read).isEqualTo(model);
      }
    }
  }

  @Test
  void anIndexOfAnotherVersionIsRefusedAndAWriteItCannotFollowInvalidatesIt() {
    try (ObjectStore store = ObjectStore.open(StorageConfig.local(dir.resolve("root")));
        TableStore tables = new TableStore(store)) {
      long version = tables.create(TABLE, SCHEMA, "id");
      try (VectorSchemaRoot batch = rows(tables, List.of(1L, 2L), "a")) {
        version = tables.commit(tables.stageAppend(TABLE, version, batch), UUID.randomUUID(), null);
      }
      KeyIndex stale = tables.keyIndex(TABLE, version, "id");
      StagedWrite append;
      try (VectorSchemaRoot batch = rows(tables, List.of(3L), "a")) {
        append = tables.stageAppend(TABLE, version, batch);
      }
      long next = tables.commit(append, UUID.randomUUID(), null);
      long at = next;
      try (VectorSchemaRoot batch = rows(tables, List.of(1L), "b")) {
        assertThatThrownBy(() -> tables.stageMerge(TABLE, at, "id", batch, List.of(), stale))
            .isInstanceOf(InvalidStagedWriteException.class);
      }
      // Told the wrong keys for the rows written: the counts do not add up, so no wrong answer.
      assertThat(tables.advanceKeyIndex(stale, append, next, List.of(), List.of(3L, 4L))).isFalse();
      assertThat(stale.isAt(TABLE, next)).isFalse();
      assertThat(stale.version()).isEqualTo(-1);
    }
  }
}
