package io.ingraft.storage.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.FailureKind;
import io.ingraft.storage.object.LocalObjectStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A nullable list column with one long list among many null ones, the shape Lance 7.0.0's 2.1 file
 * format writes but cannot read back: tables Ingraft creates (file format {@value
 * TableStore#FILE_FORMAT_VERSION}) read it back whole, after an append and after a compaction
 * (which streams it through in batches), and a table in the 2.1 format fails with a typed error
 * that stops the work instead of one retried forever.
 */
class LongListRoundTripTest {
  private static final Schema SCHEMA =
      new Schema(
          List.of(
              new Field("k", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null),
              new Field(
                  "tags",
                  FieldType.nullable(ArrowType.List.INSTANCE),
                  List.of(
                      new Field("item", FieldType.nullable(new ArrowType.Int(64, true)), null)))));

  /** Past the shape's threshold on Lance 7.0.0 (5,000 elements read back; 30,000 do not). */
  private static final int LIST_LENGTH = 30_000;

  private static final int NULL_LISTS = 100_000;

  @TempDir Path dir;
  private LocalObjectStore store;
  private TableStore tables;

  @BeforeEach
  void open() {
    store = new LocalObjectStore(dir);
    tables = new TableStore(store);
  }

  @AfterEach
  void close() throws Exception {
    tables.close();
    store.close();
  }

  @Test
  void aLongListAmongManyNullListsReadsBackAfterAnAppendAndACompaction() {
    long v = tables.create("t", SCHEMA, "k");
    v = append("t", v, rows("a", NULL_LISTS));
    assertReadsBack("t", v, NULL_LISTS + 2);

    // Three small fragments, compacted into one by a streamed rewrite (the third as large as the
    // first, so that the compaction's size tiers take the first one too).
    v = append("t", v, List.of(row("b", List.of(1L, 2L))));
    v = append("t", v, rows("c", NULL_LISTS));
    StagedWrite compaction = tables.stageCompaction("t", v, 1 << 20, 0.2).orElseThrow();
    v = tables.commit(compaction, UUID.randomUUID(), Map.of());
    assertThat(tables.stats("t", v, 1 << 20).fragments()).isEqualTo(1);
    assertReadsBack("t", v, NULL_LISTS + 2 + 1 + NULL_LISTS + 2);
  }

  @Test
  void aTableCreatedByAStagedCreateReadsTheShapeBackToo() {
    // The engine creates a graph's tables this way (a staged create in the graph's first batch).
    StagedWrite create = tables.stageCreate("staged", SCHEMA, "k");
    long v = tables.commit(create, UUID.randomUUID(), Map.of());
    v = append("staged", v, rows("a", NULL_LISTS));
    assertReadsBack("staged", v, NULL_LISTS + 2);
  }

  @Test
  void aTableInLanceDefaultFormatCannotReadTheShapeBackAndSaysSo() {
    // If this starts passing reads, Lance has fixed its 2.1 list decoding: FILE_FORMAT_VERSION
    // may then follow Lance's default again.
    long v = tables.committer().create("old", SCHEMA, "k", "2.1");
    long written = append("old", v, rows("a", NULL_LISTS));

    assertThatThrownBy(() -> tables.readRows("old", written, ScanSpec.all()))
        .isInstanceOfSatisfying(
            UnreadableTableDataException.class,
            e -> {
              assertThat(e.table()).isEqualTo("old");
              assertThat(e.failureKind()).isEqualTo(FailureKind.NEEDS_OPERATOR);
            });
    // Appends to an old table keep its format (Lance refuses a commit of files in another one).
    long next = append("old", written, List.of(row("z", List.of(7L))));
    assertThat(tables.count("old", next)).isEqualTo(NULL_LISTS + 3);
  }

  private void assertReadsBack(String table, long version, int rows) {
    List<Map<String, Object>> read = tables.readRows(table, version, ScanSpec.all());
    assertThat(read).hasSize(rows);
    Map<String, Object> list =
        read.stream().filter(r -> "a-list".equals(r.get("k"))).findFirst().orElseThrow();
    List<Long> expected = new ArrayList<>(LIST_LENGTH);
    for (long e = 0; e < LIST_LENGTH; e++) {
      expected.add(e);
    }
    assertThat(list.get("tags")).isEqualTo(expected);
    assertThat(read.stream().filter(r -> r.get("tags") == null).count())
        .isGreaterThanOrEqualTo(NULL_LISTS);
  }

  /** One null list, one long list, then {@code nulls} null lists, keyed {@code prefix-…}. */
  private static List<Map<String, Object>> rows(String prefix, int nulls) {
    List<Long> longList = new ArrayList<>(LIST_LENGTH);
    for (long i = 0; i < LIST_LENGTH; i++) {
      longList.add(i);
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    rows.add(row(prefix + "-first", null));
    rows.add(row(prefix + "-list", longList));
    for (int i = 0; i < nulls; i++) {
      rows.add(row(prefix + "-" + i, null));
    }
    return rows;
  }

  private static Map<String, Object> row(String key, List<Long> tags) {
    Map<String, Object> row = new HashMap<>();
    row.put("k", key);
    row.put("tags", tags);
    return row;
  }

  private long append(String table, long version, List<Map<String, Object>> rows) {
    try (VectorSchemaRoot root = ArrowRows.toRoot(SCHEMA, rows, tables.allocator())) {
      return tables.commit(tables.stageAppend(table, version, root), UUID.randomUUID(), Map.of());
    }
  }
}
