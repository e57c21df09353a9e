package io.ingraft.engine.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.junit.jupiter.api.Test;

/**
 * A JSON payload goes through Jackson, {@link Property#coerce(Object)} and into Arrow vectors
 * created from the catalog's schema: proof that coerce returns what an Arrow writer can store.
 */
class ArrowRoundTripTest {
  private static final GraphSchema SCHEMA =
      GraphSchema.parse(
          """
      node T {
        s: String @key
        b: Bool
        i: I32
        l: I64
        f: F32
        d: F64
        day: Date
        at: DateTime
        bytes: Blob
        v: Vector(3)
        tags: [String]
        e: enum(a, b)
        missing: I32?
      }
      """);

  @Test
  void jsonToCoercedValuesToArrowAndBack() throws Exception {
    JsonNode json =
        new ObjectMapper()
            .readTree(
                """
        {"s": "k1", "b": true, "i": 42, "l": 9007199254740993, "f": 1.5, "d": 2.25,
         "day": "2024-01-31", "at": "2024-01-31T10:15:30.123456789+01:00",
         "bytes": "aGVsbG8=", "v": [1, 2.5, -3], "tags": ["x", "y"], "e": "b", "missing": null}
        """);
    @SuppressWarnings("unchecked")
    Map<String, Object> payload = new ObjectMapper().convertValue(json, Map.class);
    NodeType type = SCHEMA.nodeType("T").orElseThrow();
    Map<String, Object> row = new LinkedHashMap<>();
    for (Property property : type.properties()) {
      row.put(property.name(), property.coerce(payload.get(property.name())));
    }

    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot root =
            VectorSchemaRoot.create(new SchemaCatalog(SCHEMA).nodeSchema(type), allocator)) {
      root.allocateNew();
      for (FieldVector vector : root.getFieldVectors()) {
        write(vector, row.get(vector.getName()));
      }
      root.setRowCount(1);

      assertThat(((VarCharVector) root.getVector("s")).getObject(0).toString()).isEqualTo("k1");
      assertThat(((BitVector) root.getVector("b")).getObject(0)).isTrue();
      assertThat(((IntVector) root.getVector("i")).get(0)).isEqualTo(42);
      assertThat(((BigIntVector) root.getVector("l")).get(0)).isEqualTo(9007199254740993L);
      assertThat(((Float4Vector) root.getVector("f")).get(0)).isEqualTo(1.5f);
      assertThat(((Float8Vector) root.getVector("d")).get(0)).isEqualTo(2.25);
      assertThat(((DateDayVector) root.getVector("day")).getObject(0))
          .isEqualTo(LocalDate.of(2024, 1, 31).toEpochDay());
      long micros = ((TimeStampMicroTZVector) root.getVector("at")).get(0);
      assertThat(Instant.EPOCH.plus(micros, ChronoUnit.MICROS))
          .isEqualTo(Instant.parse("2024-01-31T09:15:30.123456Z"));
      assertThat(((VarBinaryVector) root.getVector("bytes")).get(0))
          .isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
      assertThat(((FixedSizeListVector) root.getVector("v")).getObject(0))
          .isEqualTo(List.of(1f, 2.5f, -3f));
      assertThat(((ListVector) root.getVector("tags")).getObject(0))
          .extracting(Object::toString)
          .containsExactly("x", "y");
      assertThat(((VarCharVector) root.getVector("e")).getObject(0).toString()).isEqualTo("b");
      assertThat(root.getVector("missing").isNull(0)).isTrue();
    }
  }

  /** A minimal writer for row 0: the real one belongs to the write path. */
  private static void write(FieldVector vector, Object value) {
    if (value == null) {
      vector.setNull(0);
    } else if (vector instanceof VarCharVector v) {
      v.setSafe(0, ((String) value).getBytes(StandardCharsets.UTF_8));
    } else if (vector instanceof BitVector v) {
      v.setSafe(0, (Boolean) value ? 1 : 0);
    } else if (vector instanceof IntVector v) {
      v.setSafe(0, (Integer) value);
    } else if (vector instanceof BigIntVector v) {
      v.setSafe(0, (Long) value);
    } else if (vector instanceof Float4Vector v) {
      v.setSafe(0, (Float) value);
    } else if (vector instanceof Float8Vector v) {
      v.setSafe(0, (Double) value);
    } else if (vector instanceof DateDayVector v) {
      v.setSafe(0, Math.toIntExact(((LocalDate) value).toEpochDay()));
    } else if (vector instanceof TimeStampMicroTZVector v) {
      Instant instant = (Instant) value;
      v.setSafe(0, instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000);
    } else if (vector instanceof VarBinaryVector v) {
      v.setSafe(0, (byte[]) value);
    } else if (vector instanceof FixedSizeListVector v) {
      float[] floats = (float[]) value;
      Float4Vector child = (Float4Vector) v.getDataVector();
      v.setNotNull(0);
      for (int i = 0; i < floats.length; i++) {
        child.setSafe(i, floats[i]);
      }
      child.setValueCount(floats.length);
    } else if (vector instanceof ListVector v) {
      List<?> items = (List<?>) value;
      VarCharVector child = (VarCharVector) v.getDataVector();
      int start = v.startNewValue(0);
      for (int i = 0; i < items.size(); i++) {
        child.setSafe(start + i, ((String) items.get(i)).getBytes(StandardCharsets.UTF_8));
      }
      child.setValueCount(start + items.size());
      v.endValue(0, items.size());
    } else {
      throw new AssertionError("no writer for " + vector.getClass());
    }
    vector.setValueCount(1);
  }
}
