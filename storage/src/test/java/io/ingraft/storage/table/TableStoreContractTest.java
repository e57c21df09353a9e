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
import java.util.Set;
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
 * The {@link TableStore} contract on real Lance datasets, run unchanged against every object store:
 * staged writes stay invisible until committed, commits land at exactly read version + 1 and carry
 * their transaction, foreign commits are detected, restore works, errors are typed, and no Arrow
 * memory leaks.
 */
abstract class TableStoreContractTest {
  static final String PERSON = "graphs/g1/nodes/Person.lance";
  static final Schema PERSON_SCHEMA =
      new Schema(
          List.of(
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
            .as("Arrow memory still allocated after the test")
            .isZero();
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

  StagedWrite stageAppend(
      String table, long readVersion, Schema schema, List<Map<String, Object>> rows) {
    try (VectorSchemaRoot root = ArrowRows.toRoot(schema, rows, tables.allocator())) {
      return tables.stageAppend(table, readVersion, root);
    }
  }

  StagedWrite stageUpsert(
      String table, long readVersion, Schema schema, String key, List<Map<String, Object>> rows) {
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
    return append(
        PERSON, 1, List.of(person("a", "Ann", 31), person("b", "Bob", 42), person("c", "Cid", 53)));
  }

  List<Map<String, Object>> rowsById(String table, long version) {
    List<Map<String, Object>> rows =
        new ArrayList<>(tables.readRows(table, version, ScanSpec.all()));
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
    Schema intKeyed =
        new Schema(
            List.of(new Field("n", FieldType.notNullable(new ArrowType.Int(64, true)), null)));
    assertThat(tables.create("graphs/g1/nodes/Num.lance", intKeyed, "n")).isEqualTo(1);

    assertThat(tables.schema("graphs/g1/_audit/recoveries.lance", 1).findField("id").getMetadata())
        .doesNotContainKey(TableStore.PRIMARY_KEY_METADATA);
  }

  @Test
  void createTwiceIsTableAlreadyExistsAndKeepsTheTable() {
    personTableWithThreeRows();

    assertThatThrownBy(() -> tables.create(PERSON, PERSON_SCHEMA, "id"))
        .isInstanceOfSatisfying(
            TableAlreadyExistsException.class, e -> assertThat(e.table()).isEqualTo(PERSON));
    assertThat(tables.headVersion(PERSON)).isEqualTo(2);
    assertThat(tables.count(PERSON, 2)).isEqualTo(3);
  }

  @Test
  void badKeyColumnsAreRejectedAtCreate() {
    assertThatThrownBy(() -> tables.create(PERSON, PERSON_SCHEMA, "nope"))
        .isInstanceOfSatisfying(
            InvalidStagedWriteException.class, e -> assertThat(e.reason()).contains("nope"));
    Schema floatKeyed =
        new Schema(
            List.of(
                new Field(
                    "x",
                    FieldType.notNullable(
                        new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
                    null)));
    assertThatThrownBy(() -> tables.create(PERSON, floatKeyed, "x"))
        .isInstanceOf(InvalidStagedWriteException.class);
    assertThatThrownBy(() -> tables.create(PERSON, PERSON_SCHEMA, "name"))
        .isInstanceOfSatisfying(
            InvalidStagedWriteException.class, e -> assertThat(e.reason()).contains("nullable"));
    assertThat(tables.exists(PERSON)).isFalse();
  }

  @Test
  void missingTablesAreTableNotFound() {
    String missing = "graphs/g1/nodes/Missing.lance";
    List<Runnable> calls =
        List.of(
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
      assertThatThrownBy(call::run)
          .isInstanceOfSatisfying(
              TableNotFoundException.class, e -> assertThat(e.table()).isEqualTo(missing));
    }
  }

  @Test
  void versionsBeyondHeadAreTableVersionNotFound() {
    personTableWithThreeRows();

    List<Runnable> calls =
        List.of(
            () -> tables.count(PERSON, 3),
            () -> tables.count(PERSON, 99),
            () -> tables.count(PERSON, 0),
            () -> tables.readRows(PERSON, 3, ScanSpec.all()),
            () -> tables.schema(PERSON, 7),
            () -> tables.transactionAt(PERSON, 3),
            () -> tables.stageDelete(PERSON, 3, "id", List.of("a")));
    for (Runnable call : calls) {
      assertThatThrownBy(call::run)
          .isInstanceOfSatisfying(
              TableVersionNotFoundException.class,
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

    StagedWrite staged =
        stageAppend(
            PERSON, 1, PERSON_SCHEMA, List.of(person("a", "Ann", 31), person("b", null, null)));

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
    assertThat(rowsById(PERSON, 2))
        .containsExactly(person("a", "Ann", 31), person("b", null, null));
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
    Schema other =
        new Schema(
            List.of(
                new Field("id", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null),
                new Field("name", FieldType.nullable(ArrowType.Utf8.INSTANCE), null),
                new Field("age", FieldType.nullable(new ArrowType.Int(64, true)), null)));

    assertThatThrownBy(() -> stageAppend(PERSON, 1, other, List.of(person("a", "Ann", 1))))
        .isInstanceOfSatisfying(
            InvalidStagedWriteException.class, e -> assertThat(e.reason()).contains("age"));
    Schema withoutKey = new Schema(PERSON_SCHEMA.getFields().subList(1, 3));
    assertThatThrownBy(() -> stageAppend(PERSON, 1, withoutKey, List.of(Map.of("name", "a"))))
        .isInstanceOfSatisfying(
            InvalidStagedWriteException.class,
            e -> assertThat(e.reason()).contains("lack column id"));
    Schema extra =
        new Schema(
            List.of(
                PERSON_SCHEMA.getFields().get(0),
                new Field("shoe", FieldType.nullable(ArrowType.Utf8.INSTANCE), null)));
    assertThatThrownBy(() -> stageAppend(PERSON, 1, extra, List.of(Map.of("id", "a"))))
        .isInstanceOfSatisfying(
            InvalidStagedWriteException.class, e -> assertThat(e.reason()).contains("shoe"));
    Schema nullableKey =
        new Schema(List.of(new Field("id", FieldType.nullable(ArrowType.Utf8.INSTANCE), null)));
    Map<String, Object> nullId = new HashMap<>();
    nullId.put("id", null);
    assertThatThrownBy(() -> stageAppend(PERSON, 1, nullableKey, List.of(nullId)))
        .isInstanceOfSatisfying(
            InvalidStagedWriteException.class,
            e -> assertThat(e.reason()).contains("id is not nullable"));
    assertThat(tables.headVersion(PERSON)).isEqualTo(1);
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
    assertThat(rowsById(PERSON, next))
        .containsExactly(person("d", "Dan", 4), person("e", "Eve", 5));
    assertThat(tables.count(PERSON, v)).isEqualTo(5);
  }

  // ---- staged upsert ---------------------------------------------------------------------------

  @Test
  void stagedUpsertReplacesAndInsertsInOneVersion() {
    long v2 = personTableWithThreeRows();

    StagedWrite staged =
        stageUpsert(
            PERSON,
            v2,
            PERSON_SCHEMA,
            "id",
            List.of(person("b", "Bobby", 43), person("d", "Dee", 24)));

    assertThat(staged.kind()).isEqualTo(StagedWrite.Kind.UPSERT);
    assertThat(staged.rowsAdded()).isEqualTo(2);
    assertThat(staged.rowsDeleted()).isEqualTo(1);
    assertThat(tables.headVersion(PERSON)).isEqualTo(v2);
    assertThat(tables.count(PERSON, v2)).isEqualTo(3);

    assertThat(tables.commit(staged, UUID.randomUUID(), Map.of())).isEqualTo(v2 + 1);

    List<Map<String, Object>> rows = rowsById(PERSON, v2 + 1);
    assertThat(rows)
        .containsExactly(
            person("a", "Ann", 31),
            person("b", "Bobby", 43),
            person("c", "Cid", 53),
            person("d", "Dee", 24));
    assertThat(tables.count(PERSON, v2 + 1)).isEqualTo(4);
    assertThat(rowsById(PERSON, v2))
        .containsExactly(person("a", "Ann", 31), person("b", "Bob", 42), person("c", "Cid", 53));
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
      v =
          tables.commit(
              stageUpsert(PERSON, v, PERSON_SCHEMA, "id", batch), UUID.randomUUID(), Map.of());
    }

    List<Object> ids = ids(PERSON, v);
    assertThat(ids).doesNotHaveDuplicates().hasSize(60);
    assertThat(tables.count(PERSON, v)).isEqualTo(60);
    Map<String, Object> k35 =
        rowsById(PERSON, v).stream()
            .filter(r -> r.get("id").equals("k35"))
            .findFirst()
            .orElseThrow();
    assertThat(k35).containsEntry("name", "round3").containsEntry("age", 3);
  }

  @Test
  void upsertAndDeleteWorkOnIntegerKeys() {
    String table = "graphs/g1/nodes/Num.lance";
    for (int bits : new int[] {32, 64}) {
      String path = table.replace("Num", "Num" + bits);
      Schema schema =
          new Schema(
              List.of(
                  new Field("n", FieldType.notNullable(new ArrowType.Int(bits, true)), null),
                  new Field("label", FieldType.nullable(ArrowType.Utf8.INSTANCE), null)));
      tables.create(path, schema, "n");
      List<Map<String, Object>> rows = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        rows.add(Map.of("n", bits == 32 ? (Object) i : (Object) (long) i, "label", "v" + i));
      }
      long v = tables.commit(stageUpsert(path, 1, schema, "n", rows), UUID.randomUUID(), Map.of());
      Object three = bits == 32 ? (Object) 3 : (Object) 3L;
      v =
          tables.commit(
              stageUpsert(path, v, schema, "n", List.of(Map.of("n", three, "label", "three"))),
              UUID.randomUUID(),
              Map.of());
      StagedWrite delete = tables.stageDelete(path, v, "n", List.of(1, 4L, 77));
      assertThat(delete.rowsDeleted()).isEqualTo(2);
      v = tables.commit(delete, UUID.randomUUID(), Map.of());

      List<Map<String, Object>> result = tables.readRows(path, v, ScanSpec.all());
      assertThat(result).hasSize(3);
      assertThat(result)
          .extracting(r -> ((Number) r.get("n")).longValue())
          .containsExactlyInAnyOrder(0L, 2L, 3L);
      assertThat(result)
          .filteredOn(r -> ((Number) r.get("n")).longValue() == 3L)
          .extracting(r -> r.get("label"))
          .containsExactly("three");
    }
  }

  @Test
  void duplicateKeysInAnUpsertBatchAreRejected() {
    long v2 = personTableWithThreeRows();

    assertThatThrownBy(
            () ->
                stageUpsert(
                    PERSON,
                    v2,
                    PERSON_SCHEMA,
                    "id",
                    List.of(person("x", "one", 1), person("y", "y", 1), person("x", "two", 2))))
        .isInstanceOfSatisfying(
            InvalidStagedWriteException.class,
            e -> {
              assertThat(e.table()).isEqualTo(PERSON);
              assertThat(e.reason()).contains("duplicate key x");
            });
    assertThat(tables.headVersion(PERSON)).isEqualTo(v2);
  }

  @Test
  void badWriteRequestsAreInvalidStagedWrites() {
    long v2 = personTableWithThreeRows();

    assertThatThrownBy(() -> tables.stageDelete(PERSON, 0, "id", List.of("a")))
        .isInstanceOfSatisfying(
            InvalidStagedWriteException.class,
            e -> assertThat(e.reason()).contains("read version"));
    assertThatThrownBy(
            () -> stageUpsert(PERSON, 0, PERSON_SCHEMA, "id", List.of(person("a", "A", 1))))
        .isInstanceOf(InvalidStagedWriteException.class);
    assertThatThrownBy(() -> stageAppend(PERSON, -1, PERSON_SCHEMA, List.of(person("a", "A", 1))))
        .isInstanceOf(InvalidStagedWriteException.class);
    assertThatThrownBy(() -> tables.stageDelete(PERSON, v2, "nope", List.of("a")))
        .isInstanceOfSatisfying(
            InvalidStagedWriteException.class, e -> assertThat(e.reason()).contains("nope"));
    assertThatThrownBy(() -> tables.stageDelete(PERSON, v2, "id", List.of(42)))
        .isInstanceOf(InvalidStagedWriteException.class);
    assertThatCode(() -> tables.stageDelete(PERSON, v2, "age", List.of(42)))
        .as("any Int32 column can serve as the key of a delete")
        .doesNotThrowAnyException();
    assertThat(tables.headVersion(PERSON)).isEqualTo(v2);
  }

  // ---- commits, transactions, concurrency ------------------------------------------------------

  @Test
  void aCommitCarriesItsUuidAndPropertiesAndCanBeFoundAgain() {
    long v2 = personTableWithThreeRows();
    UUID id = UUID.randomUUID();
    Map<String, String> props =
        Map.of("graph", "g1", "batch_id", "b-42", "kafka.offsets", "graph-log:0:12345");

    long v3 = tables.commit(tables.stageDelete(PERSON, v2, "id", List.of("a")), id, props);

    assertThat(tables.transactionAt(PERSON, v3))
        .hasValueSatisfying(
            t -> {
              assertThat(t.version()).isEqualTo(v3);
              assertThat(t.uuid()).isEqualTo(id.toString());
              assertThat(t.hasUuid(id)).isTrue();
              assertThat(t.readVersion()).isEqualTo(v2);
              assertThat(t.operation()).isEqualTo("Delete");
              assertThat(t.properties()).isEqualTo(props);
            });
    assertThat(tables.transactionAt(PERSON, v2))
        .hasValueSatisfying(t -> assertThat(t.operation()).isEqualTo("Append"));
    assertThat(tables.findVersionByTransaction(PERSON, 0, id)).hasValue(v3);
    assertThat(tables.findVersionByTransaction(PERSON, v2, id)).hasValue(v3);
    assertThat(tables.findVersionByTransaction(PERSON, v3, id)).isEmpty();
    assertThat(tables.findVersionByTransaction(PERSON, 0, UUID.randomUUID())).isEmpty();
  }

  @Test
  void everyKindOfCommitRecordsItsOperation() {
    long v2 = personTableWithThreeRows();
    UUID upsert = UUID.randomUUID();
    long v3 =
        tables.commit(
            stageUpsert(PERSON, v2, PERSON_SCHEMA, "id", List.of(person("a", "A2", 1))),
            upsert,
            Map.of("k", "v"));
    long v4 =
        tables.commit(
            stageAppend(PERSON, v3, PERSON_SCHEMA, List.of()), UUID.randomUUID(), Map.of());

    assertThat(tables.transactionAt(PERSON, v3))
        .hasValueSatisfying(
            t -> {
              assertThat(t.operation()).isEqualTo("Update");
              assertThat(t.properties()).containsEntry("k", "v");
            });
    assertThat(tables.transactionAt(PERSON, v4))
        .hasValueSatisfying(t -> assertThat(t.operation()).isEqualTo("Update"));
    assertThat(tables.findVersionByTransaction(PERSON, 1, upsert)).hasValue(v3);
  }

  @Test
  void aForeignCommitBetweenStageAndCommitIsAConcurrentWrite() {
    long v2 = personTableWithThreeRows();
    UUID ours = UUID.randomUUID();
    StagedWrite staged =
        stageUpsert(
            PERSON,
            v2,
            PERSON_SCHEMA,
            "id",
            List.of(person("a", "Ours", 1), person("z", "Ours", 26)));
    long foreign = append(PERSON, v2, List.of(person("f", "Foreign", 6)));

    assertThatThrownBy(() -> tables.commit(staged, ours, Map.of()))
        .isInstanceOfSatisfying(
            TableMovedException.class,
            e -> {
              assertThat(e.table()).isEqualTo(PERSON);
              assertThat(e.expected()).isEqualTo(v2);
              assertThat(e.actual()).isEqualTo(foreign);
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
    tables.committer().beforeLanceCommit =
        table -> {
          tables.committer().beforeLanceCommit = t -> {};
          append(PERSON, v2, List.of(person("f", "Foreign", 6)));
        };

    assertThatThrownBy(() -> tables.commit(staged, ours, Map.of()))
        .isInstanceOfSatisfying(
            CommittedAtOtherVersionException.class,
            e -> {
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
    tables.committer().beforeLanceCommit =
        table -> {
          tables.committer().beforeLanceCommit = t -> {};
          tables.commit(
              tables.stageDelete(PERSON, v2, "id", List.of("b")), UUID.randomUUID(), Map.of());
        };

    assertThatThrownBy(() -> tables.commit(staged, ours, Map.of()))
        .isInstanceOfSatisfying(
            TableMovedException.class,
            e -> {
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
        .isInstanceOfSatisfying(
            TableMovedException.class,
            e -> {
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

    assertThatThrownBy(
            () ->
                new StagedWrite(
                    PERSON,
                    v2,
                    StagedWrite.Kind.DELETE,
                    List.of(),
                    delete.updatedFragments(),
                    List.of(fragment),
                    0,
                    1))
        .isInstanceOf(InvalidStagedWriteException.class)
        .hasMessageContaining("both");
    assertThatThrownBy(
            () ->
                new StagedWrite(
                    PERSON,
                    v2,
                    StagedWrite.Kind.DELETE,
                    List.of(),
                    List.of(delete.updatedFragments().get(0), delete.updatedFragments().get(0)),
                    List.of(),
                    0,
                    1))
        .isInstanceOf(InvalidStagedWriteException.class)
        .hasMessageContaining("twice");
    assertThatThrownBy(
            () ->
                new StagedWrite(
                    PERSON,
                    0,
                    StagedWrite.Kind.DELETE,
                    List.of(),
                    delete.updatedFragments(),
                    List.of(),
                    0,
                    1))
        .isInstanceOf(InvalidStagedWriteException.class);
    assertThatThrownBy(() -> delete.updatedFragments().add(null))
        .isInstanceOf(UnsupportedOperationException.class);
    // Read version 0 is only for creating a table, which needs a schema and nothing else.
    assertThatThrownBy(
            () ->
                new StagedWrite(
                    PERSON, 0, StagedWrite.Kind.UPSERT, List.of(), List.of(), List.of(), 0, 0))
        .isInstanceOf(InvalidStagedWriteException.class);
    assertThatThrownBy(
            () ->
                new StagedWrite(
                    PERSON,
                    -1,
                    StagedWrite.Kind.CREATE,
                    List.of(),
                    List.of(),
                    List.of(),
                    0,
                    0,
                    PERSON_SCHEMA))
        .isInstanceOf(InvalidStagedWriteException.class);
    assertThatThrownBy(
            () ->
                new StagedWrite(
                    PERSON,
                    0,
                    StagedWrite.Kind.CREATE,
                    List.of(),
                    List.of(),
                    List.of(),
                    0,
                    0,
                    null))
        .isInstanceOf(InvalidStagedWriteException.class);
    assertThatThrownBy(
            () ->
                new StagedWrite(
                    PERSON,
                    0,
                    StagedWrite.Kind.CREATE,
                    List.of(),
                    delete.updatedFragments(),
                    List.of(),
                    0,
                    0,
                    PERSON_SCHEMA))
        .isInstanceOf(InvalidStagedWriteException.class);
    assertThatThrownBy(
            () ->
                new StagedWrite(
                    PERSON,
                    v2,
                    StagedWrite.Kind.OVERWRITE,
                    List.of(),
                    List.of(),
                    List.of(fragment),
                    0,
                    0,
                    PERSON_SCHEMA))
        .isInstanceOf(InvalidStagedWriteException.class);
    assertThatThrownBy(
            () ->
                new StagedWrite(
                    PERSON,
                    v2,
                    StagedWrite.Kind.APPEND,
                    List.of(),
                    List.of(),
                    List.of(),
                    0,
                    0,
                    PERSON_SCHEMA))
        .isInstanceOf(InvalidStagedWriteException.class)
        .hasMessageContaining("schema");
    assertThatCode(
            () ->
                new StagedWrite(
                    PERSON,
                    0,
                    StagedWrite.Kind.CREATE,
                    List.of(),
                    List.of(),
                    List.of(),
                    0,
                    0,
                    PERSON_SCHEMA))
        .doesNotThrowAnyException();
  }

  // ---- staged merge: upserts and deletes in one version -----------------------------------------

  StagedWrite stageMerge(
      String table,
      long readVersion,
      Schema schema,
      String key,
      List<Map<String, Object>> upserts,
      List<?> deleteKeys) {
    if (upserts == null) {
      return tables.stageMerge(table, readVersion, key, null, deleteKeys);
    }
    try (VectorSchemaRoot root = ArrowRows.toRoot(schema, upserts, tables.allocator())) {
      return tables.stageMerge(table, readVersion, key, root, deleteKeys);
    }
  }

  /** Person table: a, b, c in one fragment (v2), d, e in another (v3). */
  long personTableWithTwoFragments() {
    long v2 = personTableWithThreeRows();
    return append(PERSON, v2, List.of(person("d", "Dan", 24), person("e", "Eve", 35)));
  }

  @Test
  void rowsWhereInAreTheRowsInListsSelectAcrossFragmentsAndDeletions() {
    long v = personTableWithTwoFragments();
    v = append(PERSON, v, List.of(person("f", null, 24), person("g", "Ann", null)));
    v =
        tables.commit(
            tables.stageDelete(PERSON, v, "id", List.of("b")), UUID.randomUUID(), Map.of());
    List<String> all = List.of("id", "name", "age");

    // "Bob" was deleted, "Zed" never existed, "f" has no name: none of them may come back.
    List<Map<String, Object>> byName =
        tables.readRowsWhereIn(PERSON, v, Map.of("name", Set.of("Ann", "Bob", "Dan", "Zed")), all);
    assertThat(byName)
        .containsExactlyInAnyOrderElementsOf(
            tables.readRows(PERSON, v, ScanSpec.where("name IN ('Ann', 'Bob', 'Dan', 'Zed')")));
    assertThat(byName).extracting(r -> r.get("id")).containsExactlyInAnyOrder("a", "d", "g");

    // Two columns: a row matching either comes once; integers match as Integers; only the columns
    // asked for are read; the version before the delete still has Bob (42).
    Map<String, Set<?>> either = Map.of("name", Set.of("Ann"), "age", Set.of(24, 42, 31));
    assertThat(tables.readRowsWhereIn(PERSON, v, either, List.of("id", "name", "age")))
        .extracting(r -> r.get("id"))
        .containsExactlyInAnyOrder("a", "d", "f", "g");
    assertThat(
            tables.readRowsWhereIn(PERSON, v - 1, Map.of("age", Set.of(42)), List.of("age", "id")))
        .containsExactly(Map.of("age", 42, "id", "b"));
    assertThat(tables.readRowsWhereIn(PERSON, v, Map.of("name", Set.of()), all)).isEmpty();
    long latest = v;
    assertThatThrownBy(
            () ->
                tables.readRowsWhereIn(
                    PERSON, latest, Map.of("name", Set.of("Ann")), List.of("id")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void stagedMergeUpsertsAndDeletesInOneVersion() {
    long v3 = personTableWithTwoFragments();
    UUID id = UUID.randomUUID();

    // b is upserted and also listed for deletion: the upsert wins. f is new and also listed for
    // deletion: it is simply inserted. "nope" matches nothing.
    StagedWrite staged =
        stageMerge(
            PERSON,
            v3,
            PERSON_SCHEMA,
            "id",
            List.of(person("b", "Bobby", 43), person("f", "Fay", 6)),
            List.of("a", "e", "b", "f", "nope", "a"));

    assertThat(staged.kind()).isEqualTo(StagedWrite.Kind.UPSERT);
    assertThat(staged.readVersion()).isEqualTo(v3);
    assertThat(staged.rowsAdded()).isEqualTo(2);
    assertThat(staged.rowsDeleted()).isEqualTo(3);
    assertThat(staged.rowDelta()).isEqualTo(-1);
    assertThat(staged.updatedFragments()).hasSize(2);
    assertThat(staged.removedFragmentIds()).isEmpty();
    assertThat(tables.headVersion(PERSON)).isEqualTo(v3);
    assertThat(tables.count(PERSON, v3)).isEqualTo(5);

    assertThat(tables.commit(staged, id, Map.of("batch", "7"))).isEqualTo(v3 + 1);

    assertThat(rowsById(PERSON, v3 + 1))
        .containsExactly(
            person("b", "Bobby", 43),
            person("c", "Cid", 53),
            person("d", "Dan", 24),
            person("f", "Fay", 6));
    assertThat(tables.count(PERSON, v3 + 1)).isEqualTo(4);
    assertThat(ids(PERSON, v3 + 1)).doesNotHaveDuplicates();
    assertThat(tables.transactionAt(PERSON, v3 + 1))
        .hasValueSatisfying(
            t -> {
              assertThat(t.operation()).isEqualTo("Update");
              assertThat(t.readVersion()).isEqualTo(v3);
              assertThat(t.properties()).containsEntry("batch", "7");
            });
    assertThat(tables.findVersionByTransaction(PERSON, v3, id)).hasValue(v3 + 1);
    assertThat(ids(PERSON, v3))
        .as("pinned readers are unaffected")
        .containsExactly("a", "b", "c", "d", "e");
  }

  @Test
  void aMergeCanRemoveWholeFragmentsWhileUpdatingOthers() {
    long v3 = personTableWithTwoFragments();

    StagedWrite staged =
        stageMerge(
            PERSON,
            v3,
            PERSON_SCHEMA,
            "id",
            List.of(person("d", "Dee", 25)),
            List.of("a", "b", "c"));

    assertThat(staged.removedFragmentIds()).hasSize(1);
    assertThat(staged.updatedFragments()).hasSize(1);
    assertThat(staged.rowsDeleted()).isEqualTo(4);
    long next = tables.commit(staged, UUID.randomUUID(), Map.of());

    assertThat(next).isEqualTo(v3 + 1);
    assertThat(rowsById(PERSON, next))
        .containsExactly(person("d", "Dee", 25), person("e", "Eve", 35));
  }

  @Test
  void aMergeMayHaveOnlyUpsertsOnlyDeletesOrNothing() {
    long v = personTableWithThreeRows();

    StagedWrite deletesOnly = stageMerge(PERSON, v, PERSON_SCHEMA, "id", null, List.of("a"));
    assertThat(deletesOnly.kind()).isEqualTo(StagedWrite.Kind.UPSERT);
    assertThat(deletesOnly.newFragments()).isEmpty();
    v = tables.commit(deletesOnly, UUID.randomUUID(), Map.of());
    assertThat(ids(PERSON, v)).containsExactly("b", "c");
    assertThat(tables.transactionAt(PERSON, v))
        .hasValueSatisfying(t -> assertThat(t.operation()).isEqualTo("Update"));

    v =
        tables.commit(
            stageMerge(
                PERSON,
                v,
                PERSON_SCHEMA,
                "id",
                List.of(person("c", "Cy", 1), person("z", "Zed", 2)),
                null),
            UUID.randomUUID(),
            Map.of());
    assertThat(rowsById(PERSON, v))
        .containsExactly(person("b", "Bob", 42), person("c", "Cy", 1), person("z", "Zed", 2));

    StagedWrite nothing = stageMerge(PERSON, v, PERSON_SCHEMA, "id", List.of(), List.of());
    assertThat(nothing.isEmpty()).isTrue();
    StagedWrite nulls = tables.stageMerge(PERSON, v, "id", null, null);
    assertThat(nulls.isEmpty()).isTrue();
    assertThat(tables.commit(nothing, UUID.randomUUID(), Map.of())).isEqualTo(v + 1);
    assertThat(tables.count(PERSON, v + 1)).isEqualTo(3);
  }

  @Test
  void repeatedMergesKeepExactCountsAndUniqueKeys() {
    tables.create(PERSON, PERSON_SCHEMA, "id");
    long v = 1;
    java.util.Set<String> expected = new java.util.TreeSet<>();
    for (int round = 0; round < 5; round++) {
      List<Map<String, Object>> upserts = new ArrayList<>();
      for (int k = 0; k < 20; k++) {
        String key = "k" + (k + round * 7);
        upserts.add(person(key, "round" + round, round));
        expected.add(key);
      }
      List<String> deletes = new ArrayList<>();
      for (int k = 0; k < 20; k += 3) {
        String key = "k" + (k + round * 5);
        if (upserts.stream().noneMatch(r -> r.get("id").equals(key))) {
          deletes.add(key);
          expected.remove(key);
        }
      }
      StagedWrite staged = stageMerge(PERSON, v, PERSON_SCHEMA, "id", upserts, deletes);
      long before = tables.count(PERSON, v);
      v = tables.commit(staged, UUID.randomUUID(), Map.of());
      assertThat(tables.count(PERSON, v)).isEqualTo(before + staged.rowDelta());
    }

    assertThat(ids(PERSON, v))
        .doesNotHaveDuplicates()
        .containsExactlyElementsOf(new ArrayList<Object>(expected));
    assertThat(tables.count(PERSON, v)).isEqualTo(expected.size());
    assertThat(tables.countWhere(PERSON, v, "name = 'round4'")).isEqualTo(20);
  }

  @Test
  void badMergesAreInvalidStagedWritesAndWriteNothingVisible() {
    long v2 = personTableWithThreeRows();

    assertThatThrownBy(
            () ->
                stageMerge(
                    PERSON,
                    v2,
                    PERSON_SCHEMA,
                    "id",
                    List.of(person("x", "1", 1), person("x", "2", 2)),
                    List.of("a")))
        .isInstanceOfSatisfying(
            InvalidStagedWriteException.class,
            e -> assertThat(e.reason()).contains("duplicate key x"));
    assertThatThrownBy(
            () -> stageMerge(PERSON, v2, PERSON_SCHEMA, "id", null, Arrays.asList("a", null)))
        .isInstanceOfSatisfying(
            InvalidStagedWriteException.class, e -> assertThat(e.reason()).contains("null key"));
    assertThatThrownBy(() -> stageMerge(PERSON, v2, PERSON_SCHEMA, "id", null, List.of(7)))
        .isInstanceOf(InvalidStagedWriteException.class);
    assertThatThrownBy(() -> stageMerge(PERSON, v2, PERSON_SCHEMA, "nope", null, List.of("a")))
        .isInstanceOfSatisfying(
            InvalidStagedWriteException.class, e -> assertThat(e.reason()).contains("nope"));
    assertThatThrownBy(() -> stageMerge(PERSON, 0, PERSON_SCHEMA, "id", null, List.of("a")))
        .isInstanceOfSatisfying(
            InvalidStagedWriteException.class,
            e -> assertThat(e.reason()).contains("read version"));
    Schema noKey = new Schema(PERSON_SCHEMA.getFields().subList(1, 3));
    assertThatThrownBy(
            () -> stageMerge(PERSON, v2, noKey, "id", List.of(Map.of("name", "n")), List.of()))
        .isInstanceOfSatisfying(
            InvalidStagedWriteException.class, e -> assertThat(e.reason()).contains("id"));
    assertThatThrownBy(() -> stageMerge(PERSON, v2 + 1, PERSON_SCHEMA, "id", null, List.of("a")))
        .isInstanceOf(TableVersionNotFoundException.class);

    assertThat(tables.headVersion(PERSON)).isEqualTo(v2);
    assertThat(tables.count(PERSON, v2)).isEqualTo(3);
  }

  // ---- batches that leave out nullable columns or order them differently -----------------------

  @Test
  void batchesMayLeaveOutNullableColumnsWhichAreWrittenAsNull() {
    long v2 = personTableWithThreeRows();
    Schema idAndName = new Schema(PERSON_SCHEMA.getFields().subList(0, 2));
    Schema idOnly = new Schema(PERSON_SCHEMA.getFields().subList(0, 1));
    Map<String, Object> bRow = new LinkedHashMap<>(Map.of("id", "b", "name", "B-without-age"));

    long v3;
    try (VectorSchemaRoot root = ArrowRows.toRoot(idAndName, List.of(bRow), tables.allocator())) {
      v3 =
          tables.commit(
              tables.stageMerge(PERSON, v2, "id", root, List.of("c")), UUID.randomUUID(), Map.of());
    }
    long v4 =
        tables.commit(
            stageAppend(PERSON, v3, idOnly, List.of(Map.of("id", "n"))),
            UUID.randomUUID(),
            Map.of());
    long v5 =
        tables.commit(
            stageUpsert(PERSON, v4, idAndName, "id", List.of(Map.of("id", "a", "name", "A2"))),
            UUID.randomUUID(),
            Map.of());

    assertThat(rowsById(PERSON, v5))
        .containsExactly(
            person("a", "A2", null), person("b", "B-without-age", null), person("n", null, null));
  }

  @Test
  void batchesWithColumnsInAnotherOrderLandInTheRightColumns() {
    // Lance's Fragment.write numbers fields by position: without reordering, id and name of
    // this batch would silently swap.
    tables.create(PERSON, PERSON_SCHEMA, "id");
    Schema reordered =
        new Schema(
            List.of(
                PERSON_SCHEMA.getFields().get(2),
                PERSON_SCHEMA.getFields().get(1),
                PERSON_SCHEMA.getFields().get(0)));

    long v2 =
        tables.commit(
            stageAppend(
                PERSON, 1, reordered, List.of(person("a", "Ann", 1), person("b", "Bob", 2))),
            UUID.randomUUID(),
            Map.of());
    long v3 =
        tables.commit(
            stageMerge(PERSON, v2, reordered, "id", List.of(person("b", "Bobby", 3)), List.of("a")),
            UUID.randomUUID(),
            Map.of());

    assertThat(rowsById(PERSON, v2)).containsExactly(person("a", "Ann", 1), person("b", "Bob", 2));
    assertThat(rowsById(PERSON, v3)).containsExactly(person("b", "Bobby", 3));
    assertThat(tables.countWhere(PERSON, v3, "id = 'b' AND name = 'Bobby'")).isEqualTo(1);
  }

  // ---- staged create ----------------------------------------------------------------------------

  @Test
  void stagedCreateIsInvisibleUntilCommittedAndFoundByItsTransaction() {
    UUID id = UUID.randomUUID();

    StagedWrite staged = tables.stageCreate(PERSON, PERSON_SCHEMA, "id");

    assertThat(staged.kind()).isEqualTo(StagedWrite.Kind.CREATE);
    assertThat(staged.readVersion()).isZero();
    assertThat(staged.isEmpty()).isFalse();
    assertThat(staged.rowDelta()).isZero();
    assertThat(staged.schema().findField("id").getMetadata())
        .containsEntry(TableStore.PRIMARY_KEY_METADATA, "true");
    assertThat(tables.exists(PERSON)).isFalse();

    assertThat(tables.commit(staged, id, Map.of("graph", "g1"))).isEqualTo(1);

    assertThat(tables.exists(PERSON)).isTrue();
    assertThat(tables.headVersion(PERSON)).isEqualTo(1);
    assertThat(tables.count(PERSON, 1)).isZero();
    Schema schema = tables.schema(PERSON, 1);
    assertThat(schema.getFields()).extracting(Field::getName).containsExactly("id", "name", "age");
    assertThat(schema.findField("id").getMetadata())
        .containsEntry(TableStore.PRIMARY_KEY_METADATA, "true");
    assertThat(tables.findVersionByTransaction(PERSON, 0, id)).hasValue(1);
    assertThat(tables.transactionAt(PERSON, 1))
        .hasValueSatisfying(
            t -> {
              assertThat(t.operation()).isEqualTo("Overwrite");
              assertThat(t.readVersion()).isZero();
              assertThat(t.hasUuid(id)).isTrue();
              assertThat(t.properties()).containsEntry("graph", "g1");
            });
    // The new table takes every kind of write.
    long v2 =
        tables.commit(
            stageUpsert(
                PERSON,
                1,
                PERSON_SCHEMA,
                "id",
                List.of(person("a", "Ann", 1), person("b", "Bob", 2))),
            UUID.randomUUID(),
            Map.of());
    long v3 =
        tables.commit(
            stageMerge(PERSON, v2, PERSON_SCHEMA, "id", List.of(person("a", "A", 3)), List.of("b")),
            UUID.randomUUID(),
            Map.of());
    assertThat(rowsById(PERSON, v3)).containsExactly(person("a", "A", 3));
  }

  @Test
  void keylessAndIntegerKeyedTablesCanBeStagedForCreation() {
    String audit = "graphs/g1/_audit/recoveries.lance";
    assertThat(
            tables.commit(
                tables.stageCreate(audit, PERSON_SCHEMA, null), UUID.randomUUID(), Map.of()))
        .isEqualTo(1);
    assertThat(tables.schema(audit, 1).findField("id").getMetadata())
        .doesNotContainKey(TableStore.PRIMARY_KEY_METADATA);

    String num = "graphs/g1/nodes/Num.lance";
    Schema intKeyed =
        new Schema(
            List.of(
                new Field("n", FieldType.notNullable(new ArrowType.Int(64, true)), null),
                new Field("label", FieldType.nullable(ArrowType.Utf8.INSTANCE), null)));
    assertThat(tables.commit(tables.stageCreate(num, intKeyed, "n"), UUID.randomUUID(), Map.of()))
        .isEqualTo(1);
    long v2 =
        tables.commit(
            tables.stageMerge(num, 1, "n", null, List.of(1L)), UUID.randomUUID(), Map.of());
    assertThat(v2).isEqualTo(2);
  }

  @Test
  void stagedCreateOverAnOrphanReplacesItWithAnEmptyTable() {
    long orphanHead = personTableWithThreeRows();
    Schema other =
        new Schema(
            List.of(
                new Field("id", FieldType.notNullable(new ArrowType.Int(64, true)), null),
                new Field("title", FieldType.nullable(ArrowType.Utf8.INSTANCE), null)));
    UUID id = UUID.randomUUID();

    StagedWrite staged = tables.stageCreate(PERSON, other, "id");

    assertThat(staged.readVersion()).isEqualTo(orphanHead);
    assertThat(tables.count(PERSON, orphanHead)).isEqualTo(3);
    long created = tables.commit(staged, id, Map.of());

    assertThat(created).isEqualTo(orphanHead + 1);
    assertThat(tables.count(PERSON, created)).isZero();
    assertThat(tables.schema(PERSON, created).getFields())
        .extracting(Field::getName)
        .containsExactly("id", "title");
    assertThat(tables.schema(PERSON, created).findField("id").getMetadata())
        .containsEntry(TableStore.PRIMARY_KEY_METADATA, "true");
    assertThat(tables.findVersionByTransaction(PERSON, orphanHead, id)).hasValue(created);
    assertThat(tables.count(PERSON, orphanHead)).as("old versions stay readable").isEqualTo(3);
    // Writes after the replacement land in the right columns (fresh Lance field ids).
    long next =
        tables.commit(
            stageUpsert(PERSON, created, other, "id", List.of(Map.of("id", 5L, "title", "five"))),
            UUID.randomUUID(),
            Map.of());
    assertThat(tables.readRows(PERSON, next, ScanSpec.all()))
        .containsExactly(Map.of("id", 5L, "title", "five"));
  }

  @Test
  void aStagedCreateFailsIfTheTableMovedMeanwhile() {
    StagedWrite fresh = tables.stageCreate(PERSON, PERSON_SCHEMA, "id");
    tables.create(PERSON, PERSON_SCHEMA, "id");

    assertThatThrownBy(() -> tables.commit(fresh, UUID.randomUUID(), Map.of()))
        .isInstanceOfSatisfying(
            TableMovedException.class,
            e -> {
              assertThat(e.expected()).isZero();
              assertThat(e.actual()).isEqualTo(1);
            });
    assertThat(tables.headVersion(PERSON)).isEqualTo(1);

    StagedWrite overOrphan = tables.stageCreate(PERSON, PERSON_SCHEMA, "id");
    long v2 = append(PERSON, 1, List.of(person("a", "Ann", 1)));
    assertThatThrownBy(() -> tables.commit(overOrphan, UUID.randomUUID(), Map.of()))
        .isInstanceOfSatisfying(
            TableMovedException.class,
            e -> {
              assertThat(e.expected()).isEqualTo(1);
              assertThat(e.actual()).isEqualTo(v2);
            });
    assertThat(tables.count(PERSON, v2)).isEqualTo(1);
  }

  @Test
  void aTableCreatedRacingIntoTheCreateCommitIsReportedAsCommittedElsewhere() {
    UUID ours = UUID.randomUUID();
    StagedWrite staged = tables.stageCreate(PERSON, PERSON_SCHEMA, "id");
    tables.committer().beforeLanceCommit =
        table -> {
          tables.committer().beforeLanceCommit = t -> {};
          tables.create(PERSON, PERSON_SCHEMA, "id");
        };

    // Lance does not refuse a read-version-0 Overwrite on an existing dataset: it commits on top.
    assertThatThrownBy(() -> tables.commit(staged, ours, Map.of()))
        .isInstanceOfSatisfying(
            CommittedAtOtherVersionException.class,
            e -> {
              assertThat(e.expected()).isEqualTo(1);
              assertThat(e.actual()).isEqualTo(2);
            });
    assertThat(tables.findVersionByTransaction(PERSON, 0, ours)).hasValue(2);
  }

  @Test
  void badCreatesAreRejectedWhenStaged() {
    assertThatThrownBy(() -> tables.stageCreate(PERSON, PERSON_SCHEMA, "nope"))
        .isInstanceOfSatisfying(
            InvalidStagedWriteException.class, e -> assertThat(e.reason()).contains("nope"));
    assertThatThrownBy(() -> tables.stageCreate(PERSON, PERSON_SCHEMA, "name"))
        .isInstanceOfSatisfying(
            InvalidStagedWriteException.class, e -> assertThat(e.reason()).contains("nullable"));
    assertThatThrownBy(() -> tables.stageCreate(PERSON, new Schema(List.of()), null))
        .isInstanceOf(InvalidStagedWriteException.class);
    Schema twice =
        new Schema(List.of(PERSON_SCHEMA.getFields().get(0), PERSON_SCHEMA.getFields().get(0)));
    assertThatThrownBy(() -> tables.stageCreate(PERSON, twice, "id"))
        .isInstanceOfSatisfying(
            InvalidStagedWriteException.class, e -> assertThat(e.reason()).contains("twice"));
    assertThat(tables.exists(PERSON)).isFalse();
  }

  // ---- staged compaction ---------------------------------------------------------------------

  @Test
  void aStagedCompactionMergesSmallAndDeletedFragmentsAndLeavesLargeOnes() {
    // Fragments: [a b c] (3 rows, c deleted below), [d e] (2), [f] (1), [g] (1).
    long v = personTableWithTwoFragments();
    v = append(PERSON, v, List.of(person("f", "Fay", 6)));
    v = append(PERSON, v, List.of(person("g", "Gus", 7)));
    v =
        tables.commit(
            tables.stageDelete(PERSON, v, "id", List.of("c")), UUID.randomUUID(), Map.of());
    List<Map<String, Object>> before = rowsById(PERSON, v);
    assertThat(tables.stats(PERSON, v, 2)).isEqualTo(new TableStats(4, 6, 1, 2));
    UUID id = UUID.randomUUID();

    // Small is below 2 rows: [f] and [g]; [a b] has a third of its rows deleted (> 0.3).
    StagedWrite staged = tables.stageCompaction(PERSON, v, 2, 0.3).orElseThrow();

    assertThat(staged.kind()).isEqualTo(StagedWrite.Kind.COMPACT);
    assertThat(staged.readVersion()).isEqualTo(v);
    assertThat(staged.removedFragmentIds()).hasSize(3);
    assertThat(staged.rowsAdded()).isEqualTo(4);
    assertThat(staged.rowsDeleted()).isEqualTo(4);
    assertThat(staged.rowDelta()).isZero();
    assertThat(tables.headVersion(PERSON)).as("nothing committed yet").isEqualTo(v);
    long compacted = tables.commit(staged, id, Map.of("reason", "compaction"));

    assertThat(compacted).isEqualTo(v + 1);
    assertThat(rowsById(PERSON, compacted)).isEqualTo(before);
    // [d e] stays; the other three became one fragment without deletions.
    assertThat(tables.stats(PERSON, compacted, 2)).isEqualTo(new TableStats(2, 6, 0, 0));
    assertThat(rowsById(PERSON, v)).as("the read version is unchanged").isEqualTo(before);
    assertThat(tables.findVersionByTransaction(PERSON, v, id)).hasValue(compacted);
  }

  @Test
  void aStagedCompactionMovesOverAppendsAndCommitsTheirRowsWithItsOwn() {
    // [a b c] and [d e] are small (below 10 rows); the compaction is staged at v, then two
    // appends land before it commits.
    long v = personTableWithTwoFragments();
    StagedWrite staged = tables.stageCompaction(PERSON, v, 10, 0.3).orElseThrow();
    long later = append(PERSON, v, List.of(person("f", "Fay", 6)));
    later = append(PERSON, later, List.of(person("g", "Gus", 7)));
    List<Map<String, Object>> before = rowsById(PERSON, later);

    StagedWrite moved = tables.rebaseCompaction(staged, later).orElseThrow();

    assertThat(moved.readVersion()).isEqualTo(later);
    assertThat(moved.removedFragmentIds()).isEqualTo(staged.removedFragmentIds());
    assertThat(moved.newFragments()).isEqualTo(staged.newFragments());
    assertThat(tables.rebaseCompaction(staged, v)).hasValue(staged);
    long compacted = tables.commit(moved, UUID.randomUUID(), Map.of());
    assertThat(compacted).isEqualTo(later + 1);
    assertThat(rowsById(PERSON, compacted)).isEqualTo(before);
    // The two merged into one (five rows); the appended [f] and [g] stay as they were.
    assertThat(tables.stats(PERSON, compacted, 10)).isEqualTo(new TableStats(3, 7, 0, 3));
    assertThat(tables.stats(PERSON, later, 10)).isEqualTo(new TableStats(4, 7, 0, 4));
  }

  @Test
  void aStagedCompactionWhoseFragmentChangedCannotMove() {
    long v = personTableWithTwoFragments();
    StagedWrite staged = tables.stageCompaction(PERSON, v, 10, 0.3).orElseThrow();
    // Deleting d gives [d e] a deletion file: the staged rows would bring d back.
    long deleted =
        tables.commit(
            tables.stageDelete(PERSON, v, "id", List.of("d")), UUID.randomUUID(), Map.of());

    assertThat(tables.rebaseCompaction(staged, deleted)).isEmpty();
    assertThatThrownBy(() -> tables.rebaseCompaction(staged, v - 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aStagedCompactionLeavesAFragmentLargerThanTheSmallerOnesTogether() {
    // [a b c] (3 rows), then [f] and [g]: all small (below 10 rows), but [a b c] holds more rows
    // than [f] and [g] together, so only those two merge; a third single row brings them level.
    long v = personTableWithThreeRows();
    v = append(PERSON, v, List.of(person("f", "Fay", 6)));
    v = append(PERSON, v, List.of(person("g", "Gus", 7)));
    List<Map<String, Object>> before = rowsById(PERSON, v);

    StagedWrite staged = tables.stageCompaction(PERSON, v, 10, 0.3).orElseThrow();
    assertThat(staged.removedFragmentIds()).hasSize(2);
    assertThat(staged.rowsAdded()).isEqualTo(2);
    long compacted = tables.commit(staged, UUID.randomUUID(), Map.of());
    assertThat(rowsById(PERSON, compacted)).isEqualTo(before);
    assertThat(tables.stats(PERSON, compacted, 10)).isEqualTo(new TableStats(2, 5, 0, 2));

    // [a b c], [f g] and [h]: 1 + 2 rows taken reach 3, so [a b c] joins them.
    long more = append(PERSON, compacted, List.of(person("h", "Hal", 8)));
    StagedWrite all = tables.stageCompaction(PERSON, more, 10, 0.3).orElseThrow();
    assertThat(all.removedFragmentIds()).hasSize(3);
    long merged = tables.commit(all, UUID.randomUUID(), Map.of());
    assertThat(tables.stats(PERSON, merged, 10)).isEqualTo(new TableStats(1, 6, 0, 1));
  }

  @Test
  void aCompactionThatWouldChangeNothingIsNotStaged() {
    long v = personTableWithTwoFragments();
    // One small fragment ([d e] below 3 rows) and no deletions: nothing to merge it with.
    assertThat(tables.stageCompaction(PERSON, v, 3, 0.3)).isEmpty();
    assertThat(tables.stageCompaction(PERSON, v, 1, 0.3)).isEmpty();
    assertThat(tables.stageCompaction(PERSON, v, 10, 0.3)).isPresent();
  }

  // ---- staged rewrite (schema evolution) --------------------------------------------------------

  static final Schema PERSON_V2_SCHEMA =
      new Schema(
          List.of(
              new Field("id", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null),
              new Field("email", FieldType.nullable(ArrowType.Utf8.INSTANCE), null),
              new Field("name", FieldType.nullable(ArrowType.Utf8.INSTANCE), null),
              new Field("age", FieldType.nullable(new ArrowType.Int(32, true)), null),
              new Field(
                  "emb",
                  FieldType.nullable(new ArrowType.FixedSizeList(2)),
                  List.of(
                      new Field(
                          "item",
                          FieldType.notNullable(
                              new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)),
                          null)))));

  static Map<String, Object> personV2(String id, String email, String name, Integer age) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", id);
    row.put("email", email);
    row.put("name", name);
    row.put("age", age);
    row.put("emb", null);
    return row;
  }

  @Test
  void aStagedRewriteAddsNullColumnsKeepsRowsAndKeyMetadata() {
    long twoFragments = personTableWithTwoFragments();
    long v =
        tables.commit(
            tables.stageDelete(PERSON, twoFragments, "id", List.of("c")),
            UUID.randomUUID(),
            Map.of());
    tables.stager().rewriteBatchRows = 2;
    UUID id = UUID.randomUUID();

    StagedWrite staged = tables.stageRewrite(PERSON, v, PERSON_V2_SCHEMA);

    assertThat(staged.kind()).isEqualTo(StagedWrite.Kind.OVERWRITE);
    assertThat(staged.readVersion()).isEqualTo(v);
    assertThat(staged.rowsAdded()).isEqualTo(4);
    assertThat(staged.rowsDeleted()).isEqualTo(4);
    assertThat(staged.rowDelta()).isZero();
    assertThat(staged.schema().findField("id").getMetadata())
        .containsEntry(TableStore.PRIMARY_KEY_METADATA, "true");
    assertThat(tables.headVersion(PERSON)).isEqualTo(v);
    assertThat(tables.schema(PERSON, v).getFields()).hasSize(3);

    long rewritten = tables.commit(staged, id, Map.of("reason", "schema"));

    assertThat(rewritten).isEqualTo(v + 1);
    Schema schema = tables.schema(PERSON, rewritten);
    assertThat(schema.getFields())
        .extracting(Field::getName)
        .containsExactly("id", "email", "name", "age", "emb");
    assertThat(schema.findField("id").getMetadata())
        .containsEntry(TableStore.PRIMARY_KEY_METADATA, "true");
    assertThat(tables.count(PERSON, rewritten)).isEqualTo(4);
    List<Map<String, Object>> rows = rowsById(PERSON, rewritten);
    assertThat(rows)
        .containsExactly(
            personV2("a", null, "Ann", 31),
            personV2("b", null, "Bob", 42),
            personV2("d", null, "Dan", 24),
            personV2("e", null, "Eve", 35));
    assertThat(rowsById(PERSON, v))
        .as("the read version keeps its schema and rows")
        .containsExactly(
            person("a", "Ann", 31),
            person("b", "Bob", 42),
            person("d", "Dan", 24),
            person("e", "Eve", 35));
    assertThat(tables.transactionAt(PERSON, rewritten))
        .hasValueSatisfying(
            t -> {
              assertThat(t.operation()).isEqualTo("Overwrite");
              assertThat(t.readVersion()).isEqualTo(v);
              assertThat(t.properties()).containsEntry("reason", "schema");
            });
    assertThat(tables.findVersionByTransaction(PERSON, v, id)).hasValue(rewritten);

    // Writes with the new column, and batches from before the column existed, both work.
    Map<String, Object> withEmail = personV2("b", "b@x", "Bobby", 43);
    withEmail.put("emb", new float[] {1f, 2f});
    long v2 =
        tables.commit(
            stageUpsert(
                PERSON,
                rewritten,
                PERSON_V2_SCHEMA,
                "id",
                List.of(withEmail, personV2("z", "z@x", "Zed", 1))),
            UUID.randomUUID(),
            Map.of());
    long v3 =
        tables.commit(
            stageMerge(
                PERSON, v2, PERSON_SCHEMA, "id", List.of(person("a", "Ann2", 32)), List.of("d")),
            UUID.randomUUID(),
            Map.of());
    List<Map<String, Object>> after = rowsById(PERSON, v3);
    assertThat(after).extracting(r -> r.get("id")).containsExactly("a", "b", "e", "z");
    assertThat(after.get(0)).isEqualTo(personV2("a", null, "Ann2", 32));
    assertThat(after.get(1)).containsEntry("email", "b@x").containsEntry("name", "Bobby");
    assertThat((float[]) after.get(1).get("emb")).containsExactly(1f, 2f);
    assertThat(tables.countWhere(PERSON, v3, "email IS NOT NULL")).isEqualTo(2);
  }

  @Test
  void aRewriteStreamsLargeTablesInBatches() {
    tables.create(PERSON, PERSON_SCHEMA, "id");
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      rows.add(person(String.format("k%05d", i), "n" + i, i));
    }
    long v2 = append(PERSON, 1, rows.subList(0, 1500));
    long v3 = append(PERSON, v2, rows.subList(1500, 3000));
    tables.stager().rewriteBatchRows = 128;

    StagedWrite staged = tables.stageRewrite(PERSON, v3, PERSON_V2_SCHEMA);
    long v4 = tables.commit(staged, UUID.randomUUID(), Map.of());

    assertThat(staged.rowsAdded()).isEqualTo(3000);
    assertThat(staged.newFragments())
        .as("Lance packs the streamed batches into few files")
        .hasSize(1);
    assertThat(tables.count(PERSON, v4)).isEqualTo(3000);
    assertThat(tables.countWhere(PERSON, v4, "email IS NULL AND emb IS NULL")).isEqualTo(3000);
    List<Map<String, Object>> back = rowsById(PERSON, v4);
    for (int i = 0; i < 3000; i += 997) {
      assertThat(back.get(i)).isEqualTo(personV2(String.format("k%05d", i), null, "n" + i, i));
    }
    assertThat(tables.allocator().getAllocatedMemory()).isZero();
  }

  @Test
  void aRewriteOfAnEmptyTableOnlyChangesTheSchema() {
    tables.create(PERSON, PERSON_SCHEMA, "id");

    StagedWrite staged = tables.stageRewrite(PERSON, 1, PERSON_V2_SCHEMA);
    assertThat(staged.newFragments()).isEmpty();
    assertThat(staged.isEmpty()).isFalse();
    long v2 = tables.commit(staged, UUID.randomUUID(), Map.of());

    assertThat(v2).isEqualTo(2);
    assertThat(tables.count(PERSON, v2)).isZero();
    assertThat(tables.schema(PERSON, v2).getFields()).hasSize(5);
    long v3 =
        tables.commit(
            stageAppend(PERSON, v2, PERSON_V2_SCHEMA, List.of(personV2("a", "a@x", "Ann", 1))),
            UUID.randomUUID(),
            Map.of());
    assertThat(rowsById(PERSON, v3)).containsExactly(personV2("a", "a@x", "Ann", 1));
  }

  @Test
  void incompatibleRewritesAreInvalidStagedWritesNamingTheColumn() {
    long v2 = personTableWithThreeRows();
    Field id = PERSON_SCHEMA.getFields().get(0);
    Field name = PERSON_SCHEMA.getFields().get(1);
    Field age = PERSON_SCHEMA.getFields().get(2);
    Map<Schema, String> bad = new LinkedHashMap<>();
    bad.put(new Schema(List.of(id, name)), "age");
    bad.put(
        new Schema(
            List.of(
                id, name, new Field("age", FieldType.nullable(new ArrowType.Int(64, true)), null))),
        "age");
    bad.put(
        new Schema(
            List.of(
                id, age, new Field("name", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null))),
        "name");
    bad.put(
        new Schema(
            List.of(
                id,
                name,
                age,
                new Field("rank", FieldType.notNullable(new ArrowType.Int(32, true)), null))),
        "rank");
    bad.put(
        new Schema(
            List.of(
                id,
                name,
                age,
                new Field("price", FieldType.nullable(new ArrowType.Decimal(10, 2, 128)), null))),
        "price");
    bad.put(new Schema(List.of(id, name, age, age)), "age");

    for (Map.Entry<Schema, String> entry : bad.entrySet()) {
      assertThatThrownBy(() -> tables.stageRewrite(PERSON, v2, entry.getKey()))
          .as(entry.getKey().toString())
          .isInstanceOfSatisfying(
              InvalidStagedWriteException.class,
              e -> assertThat(e.reason()).contains(entry.getValue()));
    }
    assertThatThrownBy(() -> tables.stageRewrite(PERSON, 0, PERSON_V2_SCHEMA))
        .isInstanceOf(InvalidStagedWriteException.class);
    assertThatThrownBy(() -> tables.stageRewrite(PERSON, v2 + 1, PERSON_V2_SCHEMA))
        .isInstanceOf(TableVersionNotFoundException.class);
    assertThat(tables.headVersion(PERSON)).isEqualTo(v2);
  }

  @Test
  void aRewriteCommittedOverAMovedTableIsAConcurrentWrite() {
    long v2 = personTableWithThreeRows();
    StagedWrite staged = tables.stageRewrite(PERSON, v2, PERSON_V2_SCHEMA);
    long v3 = append(PERSON, v2, List.of(person("late", "L", 1)));

    assertThatThrownBy(() -> tables.commit(staged, UUID.randomUUID(), Map.of()))
        .isInstanceOfSatisfying(
            TableMovedException.class,
            e -> {
              assertThat(e.expected()).isEqualTo(v2);
              assertThat(e.actual()).isEqualTo(v3);
            });
    assertThat(tables.schema(PERSON, v3).getFields()).hasSize(3);
    assertThat(tables.count(PERSON, v3)).isEqualTo(4);
  }

  @Test
  void writesAreRefusedOnATableWhoseColumnsWereChangedOutsideTheStore() throws Exception {
    long v2 = personTableWithThreeRows();
    // A foreign tool drops a column: Lance keeps the old field ids (id 0, age 2), which a
    // batch's position-numbered fields would not match.
    try (org.lance.Dataset ds =
        org.lance.Dataset.open()
            .uri(objectStore.lanceUri(PERSON))
            .readOptions(
                new org.lance.ReadOptions.Builder()
                    .setStorageOptions(objectStore.lanceStorageOptions())
                    .build())
            .build()) {
      ds.dropColumns(List.of("name"));
    }
    long v3 = tables.headVersion(PERSON);
    assertThat(v3).isGreaterThan(v2);
    Schema dropped =
        new Schema(List.of(PERSON_SCHEMA.getFields().get(0), PERSON_SCHEMA.getFields().get(2)));

    assertThatThrownBy(() -> stageAppend(PERSON, v3, dropped, List.of(Map.of("id", "x", "age", 9))))
        .isInstanceOfSatisfying(
            InvalidStagedWriteException.class, e -> assertThat(e.reason()).contains("field ids"));
    assertThatThrownBy(
            () ->
                stageMerge(
                    PERSON, v3, dropped, "id", List.of(Map.of("id", "x", "age", 9)), List.of()))
        .isInstanceOf(InvalidStagedWriteException.class);

    // Deletes write no data files and still work; a rewrite renumbers the fields.
    long v4 =
        tables.commit(
            tables.stageDelete(PERSON, v3, "id", List.of("a")), UUID.randomUUID(), Map.of());
    long v5 = tables.commit(tables.stageRewrite(PERSON, v4, dropped), UUID.randomUUID(), Map.of());
    long v6 =
        tables.commit(
            stageAppend(PERSON, v5, dropped, List.of(Map.of("id", "x", "age", 9))),
            UUID.randomUUID(),
            Map.of());
    assertThat(rowsById(PERSON, v6))
        .containsExactly(
            Map.of("id", "b", "age", 42),
            Map.of("id", "c", "age", 53),
            Map.of("id", "x", "age", 9));
  }

  // ---- countWhere -------------------------------------------------------------------------------

  @Test
  void countWhereCountsMatchingRowsOfAPinnedVersion() {
    long v2 = personTableWithThreeRows();
    long v3 =
        tables.commit(
            tables.stageDelete(PERSON, v2, "id", List.of("c")), UUID.randomUUID(), Map.of());

    assertThat(tables.countWhere(PERSON, v2, "age >= 40")).isEqualTo(2);
    assertThat(tables.countWhere(PERSON, v3, "age >= 40")).isEqualTo(1);
    assertThat(tables.countWhere(PERSON, v2, "id = 'b'")).isEqualTo(1);
    assertThat(tables.countWhere(PERSON, v3, "id = 'c'")).isZero();
    assertThat(tables.countWhere(PERSON, v2, "name IS NULL")).isZero();
    assertThat(tables.countWhere(PERSON, v2, null)).isEqualTo(3);
    assertThat(tables.countWhere(PERSON, v3, " ")).isEqualTo(2);
    assertThat(tables.countWhere(PERSON, 1, "age > 0")).isZero();

    assertThatThrownBy(() -> tables.countWhere(PERSON, v2, "no_such_col = 1"))
        .isInstanceOf(InvalidScanException.class);
    assertThatThrownBy(() -> tables.countWhere(PERSON, v2, "age >>>= "))
        .isInstanceOf(InvalidScanException.class);
    assertThatThrownBy(() -> tables.countWhere(PERSON, v3 + 1, "age > 1"))
        .isInstanceOf(TableVersionNotFoundException.class);
    assertThatThrownBy(() -> tables.countWhere("graphs/g1/nodes/Missing.lance", 1, "age > 1"))
        .isInstanceOf(TableNotFoundException.class);
  }

  // ---- restore ---------------------------------------------------------------------------------

  @Test
  void restoreMakesANewVersionWithTheOldContent() {
    long v2 = personTableWithThreeRows();
    long v3 =
        tables.commit(
            stageUpsert(
                PERSON,
                v2,
                PERSON_SCHEMA,
                "id",
                List.of(person("b", "Changed", 0), person("n", "New", 1))),
            UUID.randomUUID(),
            Map.of());
    List<Map<String, Object>> atV2 = rowsById(PERSON, v2);
    List<Map<String, Object>> atV3 = rowsById(PERSON, v3);
    UUID id = UUID.randomUUID();

    long restored = tables.restore(PERSON, 1, id, Map.of("reason", "rollback"));

    assertThat(restored).isEqualTo(v3 + 1);
    assertThat(tables.headVersion(PERSON)).isEqualTo(restored);
    assertThat(tables.count(PERSON, restored)).isZero();
    assertThat(rowsById(PERSON, v2)).isEqualTo(atV2);
    assertThat(rowsById(PERSON, v3)).isEqualTo(atV3);
    assertThat(tables.transactionAt(PERSON, restored))
        .hasValueSatisfying(
            t -> {
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
    long next =
        tables.commit(
            tables.stageDelete(PERSON, again, "id", List.of("n")), UUID.randomUUID(), Map.of());
    assertThat(ids(PERSON, next)).containsExactly("a", "b", "c");
  }

  @Test
  void restoreToAMissingVersionIsTableVersionNotFound() {
    long v2 = personTableWithThreeRows();

    for (long bad : new long[] {v2 + 1, 0, -3}) {
      assertThatThrownBy(() -> tables.restore(PERSON, bad, UUID.randomUUID(), Map.of()))
          .isInstanceOfSatisfying(
              TableVersionNotFoundException.class, e -> assertThat(e.version()).isEqualTo(bad));
    }
    assertThat(tables.headVersion(PERSON)).isEqualTo(v2);
  }

  // ---- scans and memory ------------------------------------------------------------------------

  @Test
  void scansFilterProjectAndReturnRowAddresses() {
    long v2 = personTableWithThreeRows();

    List<Map<String, Object>> rows =
        tables.readRows(
            PERSON, v2, ScanSpec.where("age >= 40").withColumns("age", "id").withRowAddress(true));

    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).keySet()).containsExactly("age", "id", ScanSpec.ROW_ADDRESS);
    assertThat(rows).extracting(r -> r.get("id")).containsExactlyInAnyOrder("b", "c");
    assertThat(rows)
        .allSatisfy(r -> assertThat(r.get(ScanSpec.ROW_ADDRESS)).isInstanceOf(Long.class));

    int[] batches = {0};
    long[] seen = {0};
    tables.scan(
        PERSON,
        v2,
        ScanSpec.all().withBatchSize(1),
        batch -> {
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
      tables.scan(PERSON, v2, ScanSpec.all(), batch -> {});
    }
    RuntimeException boom = new IllegalStateException("consumer failed");
    assertThatThrownBy(
            () ->
                tables.scan(
                    PERSON,
                    v2,
                    ScanSpec.all(),
                    batch -> {
                      throw boom;
                    }))
        .isSameAs(boom);
    tables.stageDelete(PERSON, v2, "id", List.of("a", "b"));
    stageUpsert(PERSON, v2, PERSON_SCHEMA, "id", List.of(person("c", "C", 1)));

    assertThat(tables.allocator().getAllocatedMemory()).isZero();
  }

  @Test
  void badScansAreInvalidScans() {
    long v2 = personTableWithThreeRows();

    assertThatThrownBy(() -> tables.readRows(PERSON, v2, ScanSpec.all().withColumns("nope")))
        .isInstanceOfSatisfying(
            InvalidScanException.class, e -> assertThat(e.reason()).contains("nope"));
    assertThatThrownBy(() -> tables.readRows(PERSON, v2, ScanSpec.where("no_such_col = 1")))
        .isInstanceOf(InvalidScanException.class);
    assertThatThrownBy(() -> tables.readRows(PERSON, v2, ScanSpec.where("age >>>= ")))
        .isInstanceOf(InvalidScanException.class);
    assertThat(tables.allocator().getAllocatedMemory()).isZero();
  }

  // ---- every supported type through Lance -------------------------------------------------------

  static final Schema ALL_TYPES =
      new Schema(
          List.of(
              new Field("id", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null),
              new Field("i32", FieldType.nullable(new ArrowType.Int(32, true)), null),
              new Field("i64", FieldType.nullable(new ArrowType.Int(64, true)), null),
              new Field(
                  "f32",
                  FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)),
                  null),
              new Field(
                  "f64",
                  FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
                  null),
              new Field("flag", FieldType.nullable(ArrowType.Bool.INSTANCE), null),
              new Field("day", FieldType.nullable(new ArrowType.Date(DateUnit.DAY)), null),
              new Field(
                  "ts",
                  FieldType.nullable(new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC")),
                  null),
              new Field("blob", FieldType.nullable(ArrowType.Binary.INSTANCE), null),
              new Field(
                  "emb",
                  FieldType.nullable(new ArrowType.FixedSizeList(3)),
                  List.of(
                      new Field(
                          "item",
                          FieldType.notNullable(
                              new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)),
                          null))),
              new Field(
                  "tags",
                  FieldType.nullable(ArrowType.List.INSTANCE),
                  List.of(new Field("item", FieldType.nullable(ArrowType.Utf8.INSTANCE), null)))));

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
    Map<String, Object> listRow =
        new HashMap<>(Map.of("id", "lists", "emb", List.of(1, 2.5, 3f), "tags", List.of()));

    long v =
        tables.commit(
            stageAppend(table, 1, ALL_TYPES, List.of(fullRow(), nullRow(), listRow)),
            UUID.randomUUID(),
            Map.of());

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
