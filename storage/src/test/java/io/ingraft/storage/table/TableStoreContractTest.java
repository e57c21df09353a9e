package io.ingraft.storage.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.storage.object.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link TableStore} contract on real Lance datasets, run unchanged against every object
 * store: staged writes stay invisible until committed, commits land at exactly read version + 1
 * and carry their transaction, foreign commits are detected, restore works, errors are typed,
 * and no Arrow memory leaks.
 */
abstract class TableStoreContractTest {
  static final String PERSON = "graphs/g1/nodes/Person.lance";
  static final Schema PERSON_SCHEMA = new Schema(List.of(
      new Field("id", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null),
      new Field("name", FieldType.nullable(ArrowType.Utf8.INSTANCE), null),
      new Field("age", FieldType.nullable(new ArrowType.Int(32, true)), null)));

  protected ObjectStore objectStore;
  protected TableStore tables;

  /** A new, empty object store for one test. */
  protected abstract ObjectStore newStore() throws Exception;

  @BeforeEach
  void openStores() throws Exception {
    objectStore = newStore();
    tables = new TableStore(objectStore);
  }

  @AfterEach
  void closeStores() {
    try {
      if (tables != null) {
        assertThat(tables.allocator().getAllocatedMemory())
            .as("Arrow memory still allocated after the test").isZero();
        tables.close();
      }
    } finally {
      if (objectStore != null) {
        objectStore.close();
      }
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  static Map<String, Object> person(String id, String name, Integer age) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", id);
    row.put("name", name);
    row.put("age", age);
    return row;
  }

  StagedWrite stageAppend(String table, long readVersion, Schema schema,
      List<Map<String, Object>> rows) {
    try (VectorSchemaRoot root = ArrowRows.toRoot(schema, rows, tables.allocator())) {
      return tables.stageAppend(table, readVersion, root);
    }
  }

  StagedWrite stageUpsert(String table, long readVersion, Schema schema, String key,
      List<Map<String, Object>> rows) {
    try (VectorSchemaRoot root = ArrowRows.toRoot(schema, rows, tables.allocator())) {
      return tables.stageUpsert(table, readVersion, key, root);
    }
  }

  long append(String table, long readVersion, List<Map<String, Object>> rows) {
    StagedWrite staged = stageAppend(table, readVersion, tables.schema(table, readVersion), rows);
    return tables.commit(staged, UUID.randomUUID(), Map.of());
  }

  /** Creates the Person table (v1) and appends a, b, c (v2). */
  long personTableWithThreeRows() {
    assertThat(tables.create(PERSON, PERSON_SCHEMA, "id")).isEqualTo(1);
    return append(PERSON, 1, List.of(person("a", "Ann", 31), person("b", "Bob", 42),
        person("c", "Cid", 53)));
  }

  List<Map<String, Object>> rowsById(String table, long version) {
    List<Map<String, Object>> rows = new ArrayList<>(tables.readRows(table, version,
        ScanSpec.all()));
    rows.sort((x, y) -> String.valueOf(x.get("id")).compareTo(String.valueOf(y.get("id"))));
    return rows;
  }

  List<Object> ids(String table, long version) {
    return rowsById(table, version).stream().map(r -> r.get("id")).toList();
  }

  // ---- create, exists, versions ---------------------------------------------------------------

  @Test
  void createMakesAnEmptyVersionOneWithTheKeyMarked() {
    assertThat(tables.exists(PERSON)).isFalse();

    assertThat(tables.create(PERSON, PERSON_SCHEMA, "id")).isEqualTo(1);

    assertThat(tables.exists(PERSON)).isTrue();
    assertThat(tables.headVersion(PERSON)).isEqualTo(1);
    assertThat(tables.count(PERSON, 1)).isZero();
    Schema schema = tables.schema(PERSON, 1);
    assertThat(schema.getFields()).extracting(Field::getName).containsExactly("id", "name", "age");
    assertThat(schema.findField("id").getMetadata())
        .containsEntry(TableStore.PRIMARY_KEY_METADATA, "true");
    assertThat(schema.findField("name").getMetadata())
        .doesNotContainKey(TableStore.PRIMARY_KEY_METADATA);
  }

  @Test
  void keylessTablesAndIntegerKeysCanBeCreated() {
    assertThat(tables.create("graphs/g1/_audit/recoveries.lance", PERSON_SCHEMA, null))
        .isEqualTo(1);
    Schema intKeyed = new Schema(List.of(
        new Field("n", FieldType.notNullable(new ArrowType.Int(64, true)), null)));
    assertThat(tables.create("graphs/g1/nodes/Num.lance", intKeyed, "n")).isEqualTo(1);

    assertThat(tables.schema("graphs/g1/_audit/recoveries.lance", 1).findField("id")
        .getMetadata()).doesNotContainKey(TableStore.PRIMARY_KEY_METADATA);
  }

  @Test
  void createTwiceIsTableAlreadyExistsAndKeepsTheTable() {
    personTableWithThreeRows();

    assertThatThrownBy(() -> tables.create(PERSON, PERSON_SCHEMA, "id"))
        .isInstanceOfSatisfying(TableAlreadyExistsException.class,
            e -> assertThat(e.table()).isEqualTo(PERSON));
    assertThat(tables.headVersion(PERSON)).isEqualTo(2);
    assertThat(tables.count(PERSON, 2)).isEqualTo(3);
  }

  @Test
  void badKeyColumnsAreRejectedAtCreate() {
    assertThatThrownBy(() -> tables.create(PERSON, PERSON_SCHEMA, "nope"))
        .isInstanceOfSatisfying(InvalidStagedWriteException.class,
            e -> assertThat(e.reason()).contains("nope"));
    Schema floatKeyed = new Schema(List.of(new Field("x",
        FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)), null)));
    assertThatThrownBy(() -> tables.create(PERSON, floatKeyed, "x"))
        .isInstanceOf(InvalidStagedWriteException.class);
    assertThatThrownBy(() -> tables.create(PERSON, PERSON_SCHEMA, "name"))
        .isInstanceOfSatisfying(InvalidStagedWriteException.class,
            e -> assertThat(e.reason()).contains("nullable"));
    assertThat(tables.exists(PERSON)).isFalse();
  }

  @Test
  void missingTablesAreTableNotFound() {
    String missing = "graphs/g1/nodes/Missing.lance";
    List<Runnable> calls = List.of(
        () -> tables.headVersion(missing),
        () -> tables.count(missing, 1),
        () -> tables.count(missing, 3),
        () -> tables.schema(missing, 1),
        () -> tables.readRows(missing, 1, ScanSpec.all()),
        () -> tables.transactionAt(missing, 1),
        () -> tables.findVersionByTransaction(missing, 0, UUID.randomUUID()),
        () -> tables.restore(missing, 1, UUID.randomUUID(), Map.of()),
        () -> tables.stageDelete(missing, 1, "id", List.of("a")));
    for (Runnable call : calls) {
      assertThatThrownBy(call::run).isInstanceOfSatisfying(TableNotFoundException.class,
          e -> assertThat(e.table()).isEqualTo(missing));
    }
  }

  @Test
  void versionsBeyondHeadAreTableVersionNotFound() {
    personTableWithThreeRows();

    List<Runnable> calls = List.of(
        () -> tables.count(PERSON, 3),
        () -> tables.count(PERSON, 99),
        () -> tables.count(PERSON, 0),
        () -> tables.readRows(PERSON, 3, ScanSpec.all()),
        () -> tables.schema(PERSON, 7),
        () -> tables.transactionAt(PERSON, 3),
        () -> tables.stageDelete(PERSON, 3, "id", List.of("a")));
    for (Runnable call : calls) {
      assertThatThrownBy(call::run).isInstanceOfSatisfying(TableVersionNotFoundException.class,
          e -> {
            assertThat(e.table()).isEqualTo(PERSON);
            assertThat(e.version()).isIn(0L, 3L, 7L, 99L);
          });
    }
  }

  // ---- staged append ---------------------------------------------------------------------------

  @Test
  void stagedAppendIsInvisibleUntilCommitted() {
    tables.create(PERSON, PERSON_SCHEMA, "id");

    StagedWrite staged = stageAppend(PERSON, 1, PERSON_SCHEMA,
        List.of(person("a", "Ann", 31), person("b", null, null)));

    assertThat(staged.kind()).isEqualTo(StagedWrite.Kind.APPEND);
    assertThat(staged.readVersion()).isEqualTo(1);
    assertThat(staged.rowsAdded()).isEqualTo(2);
    assertThat(staged.rowsDeleted()).isZero();
    assertThat(staged.newFragments()).isNotEmpty();
    assertThat(tables.headVersion(PERSON)).isEqualTo(1);
    assertThat(tables.count(PERSON, 1)).isZero();

    assertThat(tables.commit(staged, UUID.randomUUID(), Map.of())).isEqualTo(2);

    assertThat(tables.headVersion(PERSON)).isEqualTo(2);
    assertThat(tables.count(PERSON, 2)).isEqualTo(2);
    assertThat(tables.count(PERSON, 1)).isZero();
    assertThat(rowsById(PERSON, 2)).containsExactly(person("a", "Ann", 31),
        person("b", null, null));
  }

  @Test
  void anEmptyAppendStillCommitsExactlyOneVersion() {
    long v2 = personTableWithThreeRows();

    StagedWrite staged = stageAppend(PERSON, v2, PERSON_SCHEMA, List.of());

    assertThat(staged.isEmpty()).isTrue();
    assertThat(tables.commit(staged, UUID.randomUUID(), Map.of())).isEqualTo(v2 + 1);
    assertThat(tables.count(PERSON, v2 + 1)).isEqualTo(3);
  }

  @Test
  void rowsWithTheWrongSchemaAreRejected() {
    tables.create(PERSON, PERSON_SCHEMA, "id");
    Schema other = new Schema(List.of(
        new Field("id", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null),
        new Field("name", FieldType.nullable(ArrowType.Utf8.INSTANCE), null),
        new Field("age", FieldType.nullable(new ArrowType.Int(64, true)), null)));

    assertThatThrownBy(() -> stageAppend(PERSON, 1, other, List.of(person("a", "Ann", 1))))
        .isInstanceOfSatisfying(InvalidStagedWriteException.class,
            e -> assertThat(e.reason()).contains("age"));
    Schema fewer = new Schema(PERSON_SCHEMA.getFields().subList(0, 2));
    assertThatThrownBy(() -> stageAppend(PERSON, 1, fewer, List.of(Map.of("id", "a"))))
        .isInstanceOf(InvalidStagedWriteException.class);
  }

  // ---- staged delete ---------------------------------------------------------------------------

  @Test
  void stagedDeleteIsInvisibleUntilCommittedAndIgnoresMissingKeys() {
    long v2 = personTableWithThreeRows();

    StagedWrite staged = tables.stageDelete(PERSON, v2, "id", List.of("a", "c", "no-such-key"));

    assertThat(staged.kind()).isEqualTo(StagedWrite.Kind.DELETE);
    assertThat(staged.rowsDeleted()).isEqualTo(2);
    assertThat(staged.rowsAdded()).isZero();
    assertThat(tables.headVersion(PERSON)).isEqualTo(v2);
    assertThat(tables.count(PERSON, v2)).isEqualTo(3);

    assertThat(tables.commit(staged, UUID.randomUUID(), Map.of())).isEqualTo(v2 + 1);

    assertThat(tables.count(PERSON, v2 + 1)).isEqualTo(1);
    assertThat(rowsById(PERSON, v2 + 1)).containsExactly(person("b", "Bob", 42));
    assertThat(tables.count(PERSON, v2)).as("pinned readers are unaffected").isEqualTo(3);
  }

  @Test
  void aDeleteMatchingNothingCommitsAnEmptyVersion() {
    long v2 = personTableWithThreeRows();

    StagedWrite staged = tables.stageDelete(PERSON, v2, "id", List.of("x", "y"));

    assertThat(staged.isEmpty()).isTrue();
    assertThat(tables.commit(staged, UUID.randomUUID(), Map.of())).isEqualTo(v2 + 1);
    assertThat(tables.count(PERSON, v2 + 1)).isEqualTo(3);
  }

  @Test
  void aFullyDeletedFragmentIsRemovedAndTheRestOfTheTableIsIntact() {
    tables.create(PERSON, PERSON_SCHEMA, "id");
    long v = append(PERSON, 1, List.of(person("a", "Ann", 1), person("b", "Bob", 2)));
    v = append(PERSON, v, List.of(person("c", "Cid", 3), person("d", "Dan", 4)));
    v = append(PERSON, v, List.of(person("e", "Eve", 5)));

    StagedWrite staged = tables.stageDelete(PERSON, v, "id", List.of("a", "b", "c"));

    assertThat(staged.removedFragmentIds()).hasSize(1);
    assertThat(staged.updatedFragments()).hasSize(1);
    assertThat(staged.updatedFragments().get(0).getId())
        .isNotEqualTo(staged.removedFragmentIds().get(0).intValue());
    assertThat(staged.rowsDeleted()).isEqualTo(3);

    long next = tables.commit(staged, UUID.randomUUID(), Map.of());

    assertThat(next).isEqualTo(v + 1);
    assertThat(tables.count(PERSON, next)).isEqualTo(2);
    assertThat(rowsById(PERSON, next)).containsExactly(person("d", "Dan", 4),
        person("e", "Eve", 5));
    assertThat(tables.count(PERSON, v)).isEqualTo(5);
  }

  // ---- staged upsert ---------------------------------------------------------------------------

  @Test
  void stagedUpsertReplacesAndInsertsInOneVersion() {
    long v2 = personTableWithThreeRows();

    StagedWrite staged = stageUpsert(PERSON, v2, PERSON_SCHEMA, "id",
        List.of(person("b", "Bobby", 43), person("d", "Dee", 24)));

    assertThat(staged.kind()).isEqualTo(StagedWrite.Kind.UPSERT);
    assertThat(staged.rowsAdded()).isEqualTo(2);
    assertThat(staged.rowsDeleted()).isEqualTo(1);
    assertThat(tables.headVersion(PERSON)).isEqualTo(v2);
    assertThat(tables.count(PERSON, v2)).isEqualTo(3);

    assertThat(tables.commit(staged, UUID.randomUUID(), Map.of())).isEqualTo(v2 + 1);

    List<Map<String, Object>> rows = rowsById(PERSON, v2 + 1);
    assertThat(rows).containsExactly(person("a", "Ann", 31), person("b", "Bobby", 43),
        person("c", "Cid", 53), person("d", "Dee", 24));
    assertThat(tables.count(PERSON, v2 + 1)).isEqualTo(4);
    assertThat(rowsById(PERSON, v2)).containsExactly(person("a", "Ann", 31),
        person("b", "Bob", 42), person("c", "Cid", 53));
  }

  @Test
  void repeatedUpsertsNeverDuplicateKeys() {
    tables.create(PERSON, PERSON_SCHEMA, "id");
    long v = 1;
    for (int round = 0; round < 4; round++) {
      List<Map<String, Object>> batch = new ArrayList<>();
      for (int k = 0; k < 30; k++) {
        batch.add(person("k" + (k + round * 10), "round" + round, round));
      }
      v = tables.commit(stageUpsert(PERSON, v, PERSON_SCHEMA, "id", batch), UUID.randomUUID(),
          Map.of());
    }

    List<Object> ids = ids(PERSON, v);
    assertThat(ids).doesNotHaveDuplicates().hasSize(60);
    assertThat(tables.count(PERSON, v)).isEqualTo(60);
    Map<String, Object> k35 = rowsById(PERSON, v).stream()
        .filter(r -> r.get("id").equals("k35")).findFirst().orElseThrow();
    assertThat(k35).containsEntry("name", "round3").containsEntry("age", 3);
  }

  @Test
  void upsertAndDeleteWorkOnIntegerKeys() {
    String table = "graphs/g1/nodes/Num.lance";
    for (int bits : new int[] {32, 64}) {
      String path = table.replace("Num", "Num" + bits);
      Schema schema = new Schema(List.of(
          new Field("n", FieldType.notNullable(new ArrowType.Int(bits, true)), null),
          new Field("label", FieldType.nullable(ArrowType.Utf8.INSTANCE), null)));
      tables.create(path, schema, "n");
      List<Map<String, Object>> rows = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        rows.add(Map.of("n", bits == 32 ? (Object) i : (Object) (long) i, "label", "v" + i));
      }
      long v = tables.commit(stageUpsert(path, 1, schema, "n", rows), UUID.randomUUID(),
          Map.of());
      Object three = bits == 32 ? (Object) 3 : (Object) 3L;
      v = tables.commit(stageUpsert(path, v, schema, "n",
          List.of(Map.of("n", three, "label", "three"))), UUID.randomUUID(), Map.of());
      StagedWrite delete = tables.stageDelete(path, v, "n", List.of(1, 4L, 77));
      assertThat(delete.rowsDeleted()).isEqualTo(2);
      v = tables.commit(delete, UUID.randomUUID(), Map.of());

      List<Map<String, Object>> result = tables.readRows(path, v, ScanSpec.all());
      assertThat(result).hasSize(3);
      assertThat(result).extracting(r -> ((Number) r.get("n")).longValue())
          .containsExactlyInAnyOrder(0L, 2L, 3L);
      assertThat(result).filteredOn(r -> ((Number) r.get("n")).longValue() == 3L)
          .extracting(r -> r.get("label")).containsExactly("three");
    }
  }

  @Test
  void duplicateKeysInAnUpsertBatchAreRejected() {
    long v2 = personTableWithThreeRows();

    assertThatThrownBy(() -> stageUpsert(PERSON, v2, PERSON_SCHEMA, "id",
        List.of(person("x", "one", 1), person("y", "y", 1), person("x", "two", 2))))
        .isInstanceOfSatisfying(InvalidStagedWriteException.class, e -> {
          assertThat(e.table()).isEqualTo(PERSON);
          assertThat(e.reason()).contains("duplicate key x");
        });
    assertThat(tables.headVersion(PERSON)).isEqualTo(v2);
  }

  @Test
  void badWriteRequestsAreInvalidStagedWrites() {
    long v2 = personTableWithThreeRows();

    assertThatThrownBy(() -> tables.stageDelete(PERSON, 0, "id", List.of("a")))
        .isInstanceOfSatisfying(InvalidStagedWriteException.class,
            e -> assertThat(e.reason()).contains("read version"));
    assertThatThrownBy(() -> stageUpsert(PERSON, 0, PERSON_SCHEMA, "id",
        List.of(person("a", "A", 1)))).isInstanceOf(InvalidStagedWriteException.class);
    assertThatThrownBy(() -> stageAppend(PERSON, -1, PERSON_SCHEMA,
        List.of(person("a", "A", 1)))).isInstanceOf(InvalidStagedWriteException.class);
    assertThatThrownBy(() -> tables.stageDelete(PERSON, v2, "nope", List.of("a")))
        .isInstanceOfSatisfying(InvalidStagedWriteException.class,
            e -> assertThat(e.reason()).contains("nope"));
    assertThatThrownBy(() -> tables.stageDelete(PERSON, v2, "id", List.of(42)))
        .isInstanceOf(InvalidStagedWriteException.class);
    assertThatCode(() -> tables.stageDelete(PERSON, v2, "age", List.of(42)))
        .as("any Int32 column can serve as the key of a delete").doesNotThrowAnyException();
    assertThat(tables.headVersion(PERSON)).isEqualTo(v2);
  }

  // ---- commits, transactions, concurrency ------------------------------------------------------

  @Test
  void aCommitCarriesItsUuidAndPropertiesAndCanBeFoundAgain() {
    long v2 = personTableWithThreeRows();
    UUID id = UUID.randomUUID();
    Map<String, String> props = Map.of("graph", "g1", "batch_id", "b-42",
        "kafka.offsets", "graph-log:0:12345");

    long v3 = tables.commit(tables.stageDelete(PERSON, v2, "id", List.of("a")), id, props);

    assertThat(tables.transactionAt(PERSON, v3)).hasValueSatisfying(t -> {
      assertThat(t.version()).isEqualTo(v3);
      assertThat(t.uuid()).isEqualTo(id.toString());
      assertThat(t.hasUuid(id)).isTrue();
      assertThat(t.readVersion()).isEqualTo(v2);
      assertThat(t.operation()).isEqualTo("Delete");
      assertThat(t.properties()).isEqualTo(props);
    });
    assertThat(tables.transactionAt(PERSON, v2)).hasValueSatisfying(
        t -> assertThat(t.operation()).isEqualTo("Append"));
    assertThat(tables.findVersionByTransaction(PERSON, 0, id)).hasValue(v3);
    assertThat(tables.findVersionByTransaction(PERSON, v2, id)).hasValue(v3);
    assertThat(tables.findVersionByTransaction(PERSON, v3, id)).isEmpty();
    assertThat(tables.findVersionByTransaction(PERSON, 0, UUID.randomUUID())).isEmpty();
  }

  @Test
  void everyKindOfCommitRecordsItsOperation() {
    long v2 = personTableWithThreeRows();
    UUID upsert = UUID.randomUUID();
    long v3 = tables.commit(stageUpsert(PERSON, v2, PERSON_SCHEMA, "id",
        List.of(person("a", "A2", 1))), upsert, Map.of("k", "v"));
    long v4 = tables.commit(stageAppend(PERSON, v3, PERSON_SCHEMA, List.of()), UUID.randomUUID(),
        Map.of());

    assertThat(tables.transactionAt(PERSON, v3)).hasValueSatisfying(t -> {
      assertThat(t.operation()).isEqualTo("Update");
      assertThat(t.properties()).containsEntry("k", "v");
    });
    assertThat(tables.transactionAt(PERSON, v4)).hasValueSatisfying(
        t -> assertThat(t.operation()).isEqualTo("Update"));
    assertThat(tables.findVersionByTransaction(PERSON, 1, upsert)).hasValue(v3);
  }

  @Test
  void aForeignCommitBetweenStageAndCommitIsAConcurrentWrite() {
    long v2 = personTableWithThreeRows();
    UUID ours = UUID.randomUUID();
    StagedWrite staged = stageUpsert(PERSON, v2, PERSON_SCHEMA, "id",
        List.of(person("a", "Ours", 1), person("z", "Ours", 26)));
    long foreign = append(PERSON, v2, List.of(person("f", "Foreign", 6)));

    assertThatThrownBy(() -> tables.commit(staged, ours, Map.of()))
        .isInstanceOfSatisfying(ConcurrentTableWriteException.class, e -> {
          assertThat(e.table()).isEqualTo(PERSON);
          assertThat(e.expected()).isEqualTo(v2);
          assertThat(e.actual()).isEqualTo(foreign);
          assertThat(e.committed()).isFalse();
        });

    assertThat(tables.headVersion(PERSON)).isEqualTo(foreign);
    assertThat(ids(PERSON, foreign)).containsExactly("a", "b", "c", "f");
    assertThat(rowsById(PERSON, foreign).get(0)).isEqualTo(person("a", "Ann", 31));
    assertThat(tables.findVersionByTransaction(PERSON, v2, ours)).isEmpty();
  }

  @Test
  void aForeignAppendRacingIntoTheCommitIsReportedAsCommittedElsewhere() {
    long v2 = personTableWithThreeRows();
    UUID ours = UUID.randomUUID();
    StagedWrite staged = stageAppend(PERSON, v2, PERSON_SCHEMA, List.of(person("o", "Ours", 1)));
    tables.beforeLanceCommit = table -> {
      tables.beforeLanceCommit = t -> { };
      append(PERSON, v2, List.of(person("f", "Foreign", 6)));
    };

    assertThatThrownBy(() -> tables.commit(staged, ours, Map.of()))
        .isInstanceOfSatisfying(ConcurrentTableWriteException.class, e -> {
          assertThat(e.committed()).isTrue();
          assertThat(e.expected()).isEqualTo(v2 + 1);
          assertThat(e.actual()).isEqualTo(v2 + 2);
        });

    // Lance rebased our Append onto the foreign one: the commit is in the table.
    assertThat(tables.findVersionByTransaction(PERSON, v2, ours)).hasValue(v2 + 2);
    assertThat(ids(PERSON, v2 + 2)).containsExactly("a", "b", "c", "f", "o");
  }

  @Test
  void aLanceCommitConflictIsAConcurrentWriteAndCommitsNothing() {
    long v2 = personTableWithThreeRows();
    UUID ours = UUID.randomUUID();
    StagedWrite staged = tables.stageDelete(PERSON, v2, "id", List.of("a"));
    tables.beforeLanceCommit = table -> {
      tables.beforeLanceCommit = t -> { };
      tables.commit(tables.stageDelete(PERSON, v2, "id", List.of("b")), UUID.randomUUID(),
          Map.of());
    };

    assertThatThrownBy(() -> tables.commit(staged, ours, Map.of()))
        .isInstanceOfSatisfying(ConcurrentTableWriteException.class, e -> {
          assertThat(e.committed()).isFalse();
          assertThat(e.table()).isEqualTo(PERSON);
          assertThat(e.expected()).isEqualTo(v2);
          assertThat(e.actual()).isEqualTo(v2 + 1);
          assertThat(e.getCause()).hasMessageContaining("conflict");
        });

    assertThat(tables.headVersion(PERSON)).isEqualTo(v2 + 1);
    assertThat(ids(PERSON, v2 + 1)).containsExactly("a", "c");
    assertThat(tables.findVersionByTransaction(PERSON, v2, ours)).isEmpty();
  }

  @Test
  void committingTheSameStagedWriteTwiceFailsInsteadOfDuplicating() {
    long v2 = personTableWithThreeRows();
    StagedWrite staged = stageAppend(PERSON, v2, PERSON_SCHEMA, List.of(person("d", "D", 4)));
    UUID id = UUID.randomUUID();
    long v3 = tables.commit(staged, id, Map.of());

    assertThatThrownBy(() -> tables.commit(staged, id, Map.of()))
        .isInstanceOfSatisfying(ConcurrentTableWriteException.class, e -> {
          assertThat(e.expected()).isEqualTo(v2);
          assertThat(e.actual()).isEqualTo(v3);
        });
    assertThat(tables.headVersion(PERSON)).isEqualTo(v3);
    assertThat(tables.count(PERSON, v3)).isEqualTo(4);
  }

  @Test
  void stagedWritesRefuseTheLanceCorruptionTraps() {
    long v2 = personTableWithThreeRows();
    StagedWrite delete = tables.stageDelete(PERSON, v2, "id", List.of("a"));
    assertThat(delete.updatedFragments()).hasSize(1);
    long fragment = delete.updatedFragments().get(0).getId();

    assertThatThrownBy(() -> new StagedWrite(PERSON, v2, StagedWrite.Kind.DELETE, List.of(),
        delete.updatedFragments(), List.of(fragment), 0, 1))
        .isInstanceOf(InvalidStagedWriteException.class).hasMessageContaining("both");
    assertThatThrownBy(() -> new StagedWrite(PERSON, v2, StagedWrite.Kind.DELETE, List.of(),
        List.of(delete.updatedFragments().get(0), delete.updatedFragments().get(0)), List.of(),
        0, 1)).isInstanceOf(InvalidStagedWriteException.class).hasMessageContaining("twice");
    assertThatThrownBy(() -> new StagedWrite(PERSON, 0, StagedWrite.Kind.DELETE, List.of(),
        delete.updatedFragments(), List.of(), 0, 1))
        .isInstanceOf(InvalidStagedWriteException.class);
    assertThatThrownBy(() -> delete.updatedFragments().add(null))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  // ---- restore ---------------------------------------------------------------------------------

  @Test
  void restoreMakesANewVersionWithTheOldContent() {
    long v2 = personTableWithThreeRows();
    long v3 = tables.commit(stageUpsert(PERSON, v2, PERSON_SCHEMA, "id",
        List.of(person("b", "Changed", 0), person("n", "New", 1))), UUID.randomUUID(), Map.of());
    List<Map<String, Object>> atV2 = rowsById(PERSON, v2);
    List<Map<String, Object>> atV3 = rowsById(PERSON, v3);
    UUID id = UUID.randomUUID();

    long restored = tables.restore(PERSON, 1, id, Map.of("reason", "rollback"));

    assertThat(restored).isEqualTo(v3 + 1);
    assertThat(tables.headVersion(PERSON)).isEqualTo(restored);
    assertThat(tables.count(PERSON, restored)).isZero();
    assertThat(rowsById(PERSON, v2)).isEqualTo(atV2);
    assertThat(rowsById(PERSON, v3)).isEqualTo(atV3);
    assertThat(tables.transactionAt(PERSON, restored)).hasValueSatisfying(t -> {
      assertThat(t.operation()).isEqualTo("Restore");
      assertThat(t.hasUuid(id)).isTrue();
      assertThat(t.readVersion()).isEqualTo(v3);
      assertThat(t.properties()).containsEntry("reason", "rollback");
    });
    assertThat(tables.findVersionByTransaction(PERSON, v3, id)).hasValue(restored);

    long again = tables.restore(PERSON, v3, UUID.randomUUID(), Map.of());
    assertThat(again).isEqualTo(restored + 1);
    assertThat(rowsById(PERSON, again)).isEqualTo(atV3);
    // The table keeps working after a restore: writes stage against the new HEAD.
    long next = tables.commit(tables.stageDelete(PERSON, again, "id", List.of("n")),
        UUID.randomUUID(), Map.of());
    assertThat(ids(PERSON, next)).containsExactly("a", "b", "c");
  }

  @Test
  void restoreToAMissingVersionIsTableVersionNotFound() {
    long v2 = personTableWithThreeRows();

    for (long bad : new long[] {v2 + 1, 0, -3}) {
      assertThatThrownBy(() -> tables.restore(PERSON, bad, UUID.randomUUID(), Map.of()))
          .isInstanceOfSatisfying(TableVersionNotFoundException.class,
              e -> assertThat(e.version()).isEqualTo(bad));
    }
    assertThat(tables.headVersion(PERSON)).isEqualTo(v2);
  }

  // ---- scans and memory ------------------------------------------------------------------------

  @Test
  void scansFilterProjectAndReturnRowAddresses() {
    long v2 = personTableWithThreeRows();

    List<Map<String, Object>> rows = tables.readRows(PERSON, v2,
        ScanSpec.where("age >= 40").withColumns("age", "id").withRowAddress(true));

    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).keySet()).containsExactly("age", "id", ScanSpec.ROW_ADDRESS);
    assertThat(rows).extracting(r -> r.get("id")).containsExactlyInAnyOrder("b", "c");
    assertThat(rows).allSatisfy(r -> assertThat(r.get(ScanSpec.ROW_ADDRESS)).isInstanceOf(
        Long.class));

    int[] batches = {0};
    long[] seen = {0};
    tables.scan(PERSON, v2, ScanSpec.all().withBatchSize(1), batch -> {
      batches[0]++;
      seen[0] += batch.getRowCount();
    });
    assertThat(seen[0]).isEqualTo(3);
    assertThat(batches[0]).isEqualTo(3);
  }

  @Test
  void scansLeaveNoArrowMemoryBehind() {
    long v2 = personTableWithThreeRows();
    for (int i = 0; i < 5; i++) {
      tables.readRows(PERSON, v2, ScanSpec.all());
      tables.readRows(PERSON, v2, ScanSpec.where("id = 'b'").withRowAddress(true));
      tables.scan(PERSON, v2, ScanSpec.all(), batch -> { });
    }
    RuntimeException boom = new IllegalStateException("consumer failed");
    assertThatThrownBy(() -> tables.scan(PERSON, v2, ScanSpec.all(), batch -> {
      throw boom;
    })).isSameAs(boom);
    tables.stageDelete(PERSON, v2, "id", List.of("a", "b"));
    stageUpsert(PERSON, v2, PERSON_SCHEMA, "id", List.of(person("c", "C", 1)));

    assertThat(tables.allocator().getAllocatedMemory()).isZero();
  }

  @Test
  void badScansAreInvalidScans() {
    long v2 = personTableWithThreeRows();

    assertThatThrownBy(() -> tables.readRows(PERSON, v2, ScanSpec.all().withColumns("nope")))
        .isInstanceOfSatisfying(InvalidScanException.class,
            e -> assertThat(e.reason()).contains("nope"));
    assertThatThrownBy(() -> tables.readRows(PERSON, v2, ScanSpec.where("no_such_col = 1")))
        .isInstanceOf(InvalidScanException.class);
    assertThatThrownBy(() -> tables.readRows(PERSON, v2, ScanSpec.where("age >>>= ")))
        .isInstanceOf(InvalidScanException.class);
    assertThat(tables.allocator().getAllocatedMemory()).isZero();
  }

  // ---- every supported type through Lance -------------------------------------------------------

  static final Schema ALL_TYPES = new Schema(List.of(
      new Field("id", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null),
      new Field("i32", FieldType.nullable(new ArrowType.Int(32, true)), null),
      new Field("i64", FieldType.nullable(new ArrowType.Int(64, true)), null),
      new Field("f32", FieldType.nullable(
          new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null),
      new Field("f64", FieldType.nullable(
          new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)), null),
      new Field("flag", FieldType.nullable(ArrowType.Bool.INSTANCE), null),
      new Field("day", FieldType.nullable(new ArrowType.Date(DateUnit.DAY)), null),
      new Field("ts", FieldType.nullable(new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC")),
          null),
      new Field("blob", FieldType.nullable(ArrowType.Binary.INSTANCE), null),
      new Field("emb", FieldType.nullable(new ArrowType.FixedSizeList(3)), List.of(
          new Field("item", FieldType.notNullable(
              new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null))),
      new Field("tags", FieldType.nullable(ArrowType.List.INSTANCE), List.of(
          new Field("item", FieldType.nullable(ArrowType.Utf8.INSTANCE), null)))));

  static Map<String, Object> fullRow() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", "full");
    row.put("i32", -7);
    row.put("i64", 1L << 40);
    row.put("f32", 1.5f);
    row.put("f64", -2.25);
    row.put("flag", true);
    row.put("day", LocalDate.of(1969, 7, 20));
    row.put("ts", Instant.parse("2026-11-24T10:15:30.123456Z"));
    row.put("blob", "bytes\u0000\u00ff".getBytes(StandardCharsets.ISO_8859_1));
    row.put("emb", new float[] {0.5f, -1f, 3.25f});
    row.put("tags", Arrays.asList("x", null, "ünïcødé"));
    return row;
  }

  static Map<String, Object> nullRow() {
    Map<String, Object> row = new LinkedHashMap<>();
    for (Field f : ALL_TYPES.getFields()) {
      row.put(f.getName(), null);
    }
    row.put("id", "nulls");
    return row;
  }

  @Test
  void everySupportedTypeRoundTripsThroughATable() {
    String table = "graphs/g1/nodes/AllTypes.lance";
    tables.create(table, ALL_TYPES, "id");
    Map<String, Object> listRow = new HashMap<>(Map.of("id", "lists",
        "emb", List.of(1, 2.5, 3f), "tags", List.of()));

    long v = tables.commit(stageAppend(table, 1, ALL_TYPES,
        List.of(fullRow(), nullRow(), listRow)), UUID.randomUUID(), Map.of());

    List<Map<String, Object>> rows = rowsById(table, v);
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0)).usingRecursiveComparison().isEqualTo(fullRow());
    Map<String, Object> lists = rows.get(1);
    assertThat((float[]) lists.get("emb")).containsExactly(1f, 2.5f, 3f);
    assertThat((List<?>) lists.get("tags")).isEmpty();
    assertThat(lists.get("i32")).isNull();
    assertThat(rows.get(2)).isEqualTo(nullRow());
    assertThat(tables.schema(table, v).findField("emb").getType())
        .isEqualTo(new ArrowType.FixedSizeList(3));
  }

  // ---- close -----------------------------------------------------------------------------------

  @Test
  void aClosedStoreRefusesWork() {
    TableStore other = new TableStore(objectStore);
    other.close();
    other.close();

    assertThatThrownBy(() -> other.headVersion(PERSON)).isInstanceOf(IllegalStateException.class);
  }
}
