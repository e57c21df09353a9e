package io.ingraft.storage.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Conversions between plain Java rows and Arrow batches, without Lance. */
class ArrowRowsTest {
  private final BufferAllocator allocator = new RootAllocator();

  @AfterEach
  void noLeaks() {
    assertThat(allocator.getAllocatedMemory()).isZero();
    allocator.close();
  }

  private List<Map<String, Object>> roundTrip(Schema schema, List<Map<String, Object>> rows) {
    try (VectorSchemaRoot root = ArrowRows.toRoot(schema, rows, allocator)) {
      assertThat(root.getRowCount()).isEqualTo(rows.size());
      return ArrowRows.toMaps(root);
    }
  }

  @Test
  void everySupportedTypeRoundTrips() {
    Map<String, Object> partial =
        new HashMap<>(
            Map.of(
                "id", "partial", "i64", 5, "emb", List.of(1, 2L, 3.5f), "tags", List.of("only")));
    List<Map<String, Object>> back =
        roundTrip(
            TableStoreContractTest.ALL_TYPES,
            List.of(TableStoreContractTest.fullRow(), TableStoreContractTest.nullRow(), partial));

    assertThat(back.get(0)).usingRecursiveComparison().isEqualTo(TableStoreContractTest.fullRow());
    assertThat(back.get(0).keySet())
        .containsExactlyElementsOf(TableStoreContractTest.fullRow().keySet());
    assertThat(back.get(1)).isEqualTo(TableStoreContractTest.nullRow());
    assertThat(back.get(2).get("i64")).isEqualTo(5L);
    assertThat((float[]) back.get(2).get("emb")).containsExactly(1f, 2f, 3.5f);
    assertThat(back.get(2).get("tags")).isEqualTo(List.of("only"));
    assertThat(back.get(2).get("day")).isNull();
  }

  @Test
  void manyRowsAndLongStringsGrowTheVectors() {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      rows.add(Map.of("id", "k".repeat(i % 300) + i, "tags", List.of("a" + i, "b" + i)));
    }
    Schema schema =
        new Schema(
            List.of(
                TableStoreContractTest.ALL_TYPES.findField("id"),
                TableStoreContractTest.ALL_TYPES.findField("tags")));

    List<Map<String, Object>> back = roundTrip(schema, rows);

    assertThat(back).hasSize(5000);
    assertThat(back.get(4999)).isEqualTo(rows.get(4999));
  }

  @Test
  void instantsKeepMicrosecondsAndTruncateNanoseconds() {
    Schema schema =
        new Schema(
            List.of(
                new Field(
                    "ts",
                    FieldType.nullable(new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC")),
                    null)));
    List<Map<String, Object>> back =
        roundTrip(
            schema,
            List.of(
                Map.of("ts", Instant.parse("1969-12-31T23:59:59.999999Z")),
                Map.of("ts", Instant.parse("2026-01-01T00:00:00.123456789Z"))));

    assertThat(back.get(0).get("ts")).isEqualTo(Instant.parse("1969-12-31T23:59:59.999999Z"));
    assertThat(back.get(1).get("ts")).isEqualTo(Instant.parse("2026-01-01T00:00:00.123456Z"));
  }

  @Test
  void badValuesNameTheColumnAndRowAndLeakNothing() {
    Schema schema = TableStoreContractTest.ALL_TYPES;
    assertProblem(schema, Map.of("id", "a", "i32", "7"), "i32", 1, "Integer");
    assertProblem(schema, Map.of("id", "a", "i32", 1L << 33), "i32", 1, "Int32");
    assertProblem(schema, Map.of("id", "a", "i64", 1.0), "i64", 1, "integer");
    assertProblem(schema, Map.of("id", "a", "flag", "yes"), "flag", 1, "Boolean");
    assertProblem(schema, Map.of("id", "a", "day", "2020-01-01"), "day", 1, "LocalDate");
    assertProblem(schema, Map.of("id", "a", "ts", 5L), "ts", 1, "Instant");
    assertProblem(schema, Map.of("id", "a", "emb", new float[2]), "emb", 1, "length 2");
    assertProblem(
        schema, Map.of("id", "a", "emb", Arrays.asList(1f, null, 2f)), "emb", 1, "element 1");
    assertProblem(schema, Map.of("id", "a", "tags", "x"), "tags", 1, "List");
    assertProblem(schema, Map.of("id", "a", "typo", 1), "typo", 1, "not a column");
    assertProblem(schema, Map.of("i32", 1), "id", 1, "non-nullable");
  }

  private void assertProblem(
      Schema schema, Map<String, Object> bad, String field, int row, String text) {
    List<Map<String, Object>> rows = List.of(Map.of("id", "fine"), bad);
    assertThatThrownBy(() -> ArrowRows.toRoot(schema, rows, allocator))
        .isInstanceOfSatisfying(
            RowConversionException.class,
            e -> {
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.row()).isEqualTo(row);
              assertThat(e.getMessage()).contains(text);
            });
    assertThat(allocator.getAllocatedMemory()).isZero();
  }

  @Test
  void nonNullableListElementsRejectNulls() {
    Schema schema =
        new Schema(
            List.of(
                new Field(
                    "tags",
                    FieldType.nullable(ArrowType.List.INSTANCE),
                    List.of(
                        new Field("item", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null)))));
    assertThatThrownBy(
            () ->
                ArrowRows.toRoot(
                    schema, List.of(Map.of("tags", Arrays.asList("a", null))), allocator))
        .isInstanceOf(RowConversionException.class)
        .hasMessageContaining("element 1");
  }

  @Test
  void unsupportedTypesAreRejectedBeforeAllocating() {
    for (ArrowType type :
        List.of(
            new ArrowType.Int(8, true),
            new ArrowType.Int(64, false),
            new ArrowType.Timestamp(TimeUnit.NANOSECOND, "UTC"),
            new ArrowType.Timestamp(TimeUnit.MICROSECOND, null),
            ArrowType.LargeUtf8.INSTANCE)) {
      Schema schema = new Schema(List.of(new Field("x", FieldType.nullable(type), null)));
      assertThatThrownBy(() -> ArrowRows.toRoot(schema, List.of(), allocator))
          .isInstanceOfSatisfying(
              RowConversionException.class,
              e -> {
                assertThat(e.field()).isEqualTo("x");
                assertThat(e.row()).isEqualTo(-1);
              });
    }
  }
}
