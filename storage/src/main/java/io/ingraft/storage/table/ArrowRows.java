package io.ingraft.storage.table;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Converts between rows of plain Java values ({@code Map<String, Object>}, one entry per column)
 * and Arrow {@link VectorSchemaRoot} batches, for the column types Ingraft stores.
 *
 * <p>Type mapping (the same in both directions unless noted):
 *
 * <table>
 *   <caption>Arrow type and Java value</caption>
 *   <tr><th>Arrow type</th><th>Java value read</th><th>Java values accepted on write</th></tr>
 *   <tr><td>Utf8</td><td>{@link String}</td><td>any {@link CharSequence}</td></tr>
 *   <tr><td>Int(32, signed)</td><td>{@link Integer}</td>
 *       <td>Integer, Short, Byte; a Long only if it fits in 32 bits</td></tr>
 *   <tr><td>Int(64, signed)</td><td>{@link Long}</td><td>Long, Integer, Short, Byte</td></tr>
 *   <tr><td>FloatingPoint(SINGLE)</td><td>{@link Float}</td>
 *       <td>any {@link Number} ({@code floatValue()}, may round)</td></tr>
 *   <tr><td>FloatingPoint(DOUBLE)</td><td>{@link Double}</td>
 *       <td>any {@link Number} ({@code doubleValue()})</td></tr>
 *   <tr><td>Bool</td><td>{@link Boolean}</td><td>Boolean</td></tr>
 *   <tr><td>Date(DAY)</td><td>{@link LocalDate}</td><td>LocalDate</td></tr>
 *   <tr><td>Timestamp(MICROSECOND, tz) — Ingraft uses tz "UTC"</td><td>{@link Instant}</td>
 *       <td>Instant; digits below the microsecond are truncated</td></tr>
 *   <tr><td>Binary</td><td>{@code byte[]} (a copy)</td><td>{@code byte[]}, {@link ByteBuffer}
 *       (its remaining bytes)</td></tr>
 *   <tr><td>FixedSizeList(n) of FloatingPoint(SINGLE)</td><td>{@code float[]} of length n</td>
 *       <td>{@code float[]} or {@code List<? extends Number>} of length exactly n, no null
 *       elements</td></tr>
 *   <tr><td>List of any scalar type above</td><td>unmodifiable {@code List} of the element
 *       type's Java values</td>
 *       <td>any {@link List} of values the element type accepts (null elements only if the
 *       element field is nullable)</td></tr>
 *   <tr><td>UInt(64) — read only, e.g. {@link ScanSpec#ROW_ADDRESS}</td><td>{@link Long}</td>
 *       <td>not accepted</td></tr>
 * </table>
 *
 * <p>Nulls: a missing map entry and a {@code null} value both mean null; they are allowed only for
 * nullable fields. A map entry whose key is not a column of the schema is an error, so typos do not
 * silently drop data. Read back, null cells are {@code null} map values.
 *
 * <p>Every problem is a {@link RowConversionException} naming the column and the row; a batch under
 * construction is closed before the exception leaves, so nothing leaks.
 *
 * <p>Memory: {@link #toRoot} allocates from the given allocator and the caller owns (and must
 * close) the returned root. {@link #toMaps} copies every value out, so its result stays valid after
 * the batch is released.
 */
public final class ArrowRows {

  private ArrowRows() {}

  /**
   * Builds a batch with {@code rows.size()} rows and exactly the columns of {@code schema}.
   *
   * @throws RowConversionException if the schema has an unsupported type or a value does not fit
   */
  public static VectorSchemaRoot toRoot(
      Schema schema, List<? extends Map<String, ?>> rows, BufferAllocator allocator) {
    checkSupported(schema);
    Set<String> columns = new HashSet<>();
    for (Field field : schema.getFields()) {
      columns.add(field.getName());
    }
    for (int r = 0; r < rows.size(); r++) {
      Map<String, ?> row = rows.get(r);
      if (row == null) {
        throw new RowConversionException("*", r, "the row itself is null");
      }
      for (String key : row.keySet()) {
        if (!columns.contains(key)) {
          throw new RowConversionException(
              String.valueOf(key), r, "not a column of the schema " + columns);
        }
      }
    }
    VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
    try {
      root.allocateNew();
      for (Field field : schema.getFields()) {
        FieldVector vector = root.getVector(field.getName());
        for (int r = 0; r < rows.size(); r++) {
          set(vector, field, r, rows.get(r).get(field.getName()));
        }
      }
      root.setRowCount(rows.size());
      return root;
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
  }

  /** Every row of {@code root}, as maps from column name to plain Java value, in column order. */
  public static List<Map<String, Object>> toMaps(VectorSchemaRoot root) {
    List<Map<String, Object>> rows = new ArrayList<>(root.getRowCount());
    for (int r = 0; r < root.getRowCount(); r++) {
      rows.add(rowAt(root, r));
    }
    return rows;
  }

  /**
   * Row {@code index} of {@code root}: an unmodifiable map in column order (values may be null).
   */
  public static Map<String, Object> rowAt(VectorSchemaRoot root, int index) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (FieldVector vector : root.getFieldVectors()) {
      row.put(vector.getName(), valueAt(vector, index));
    }
    return Collections.unmodifiableMap(row);
  }

  /** The plain Java value at {@code index} of {@code vector} (see the class doc), or null. */
  public static Object valueAt(FieldVector vector, int index) {
    if (vector.isNull(index)) {
      return null;
    }
    Field field = vector.getField();
    if (vector instanceof VarCharVector v) {
      return new String(v.get(index), StandardCharsets.UTF_8);
    } else if (vector instanceof IntVector v) {
      return v.get(index);
    } else if (vector instanceof BigIntVector v) {
      return v.get(index);
    } else if (vector instanceof Float4Vector v) {
      return v.get(index);
    } else if (vector instanceof Float8Vector v) {
      return v.get(index);
    } else if (vector instanceof BitVector v) {
      return v.get(index) != 0;
    } else if (vector instanceof DateDayVector v) {
      return LocalDate.ofEpochDay(v.get(index));
    } else if (vector instanceof TimeStampMicroTZVector v) {
      return instantOfMicros(v.get(index));
    } else if (vector instanceof VarBinaryVector v) {
      return v.get(index);
    } else if (vector instanceof UInt8Vector v) {
      return v.get(index);
    } else if (vector instanceof FixedSizeListVector v
        && v.getDataVector() instanceof Float4Vector child) {
      int size = v.getListSize();
      float[] out = new float[size];
      int start = index * size;
      for (int j = 0; j < size; j++) {
        out[j] = child.isNull(start + j) ? Float.NaN : child.get(start + j);
      }
      return out;
    } else if (vector instanceof ListVector v) {
      FieldVector child = (FieldVector) v.getDataVector();
      int start = v.getElementStartIndex(index);
      int end = v.getElementEndIndex(index);
      List<Object> out = new ArrayList<>(end - start);
      for (int j = start; j < end; j++) {
        out.add(valueAt(child, j));
      }
      return Collections.unmodifiableList(out);
    }
    throw new RowConversionException(
        field.getName(),
        index,
        "unsupported Arrow type "
            + field.getType()
            + " ("
            + vector.getClass().getSimpleName()
            + ")");
  }

  /**
   * Checks that every field of {@code schema} has a type this class can write.
   *
   * @throws RowConversionException naming the first unsupported column
   */
  public static void checkSupported(Schema schema) {
    for (Field field : schema.getFields()) {
      String problem = unsupported(field);
      if (problem != null) {
        throw new RowConversionException(field.getName(), -1, problem);
      }
    }
  }

  /** Why {@code field} cannot be written, or null if it can. */
  private static String unsupported(Field field) {
    ArrowType type = field.getType();
    if (type instanceof ArrowType.Utf8
        || type instanceof ArrowType.Bool
        || type instanceof ArrowType.Binary) {
      return null;
    }
    if (type instanceof ArrowType.Int i
        && i.getIsSigned()
        && (i.getBitWidth() == 32 || i.getBitWidth() == 64)) {
      return null;
    }
    if (type instanceof ArrowType.FloatingPoint f
        && f.getPrecision() != null
        && f.getPrecision() != org.apache.arrow.vector.types.FloatingPointPrecision.HALF) {
      return null;
    }
    if (type instanceof ArrowType.Date d && d.getUnit() == DateUnit.DAY) {
      return null;
    }
    if (type instanceof ArrowType.Timestamp t
        && t.getUnit() == TimeUnit.MICROSECOND
        && t.getTimezone() != null) {
      return null;
    }
    if (type instanceof ArrowType.FixedSizeList
        && field.getChildren().size() == 1
        && isFloat32(field.getChildren().get(0).getType())) {
      return null;
    }
    // A list of any scalar above (not of lists or vectors).
    if (type instanceof ArrowType.List
        && field.getChildren().size() == 1
        && field.getChildren().get(0).getChildren().isEmpty()
        && unsupported(field.getChildren().get(0)) == null) {
      return null;
    }
    return "unsupported Arrow type "
        + type
        + (field.getChildren().isEmpty() ? "" : " of " + field.getChildren())
        + "; supported: Utf8, Int32, Int64, Float32, Float64, "
        + "Bool, Date(DAY), Timestamp(MICROSECOND, tz), Binary, FixedSizeList<Float32>, List of any"
        + " of these scalars";
  }

  private static boolean isFloat32(ArrowType type) {
    return type instanceof ArrowType.FloatingPoint f
        && f.getPrecision() == org.apache.arrow.vector.types.FloatingPointPrecision.SINGLE;
  }

  private static void set(FieldVector vector, Field field, int r, Object value) {
    String name = field.getName();
    if (value == null) {
      if (!field.isNullable()) {
        throw new RowConversionException(name, r, "null in a non-nullable column");
      }
      setNull(vector, r);
      return;
    }
    if (vector instanceof VarCharVector v) {
      v.setSafe(r, utf8(name, r, value));
    } else if (vector instanceof IntVector v) {
      long x = integral(name, r, value);
      if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) {
        throw new RowConversionException(name, r, "value " + x + " does not fit in Int32");
      }
      v.setSafe(r, (int) x);
    } else if (vector instanceof BigIntVector v) {
      v.setSafe(r, integral(name, r, value));
    } else if (vector instanceof Float4Vector v) {
      v.setSafe(r, number(name, r, value).floatValue());
    } else if (vector instanceof Float8Vector v) {
      v.setSafe(r, number(name, r, value).doubleValue());
    } else if (vector instanceof BitVector v) {
      if (!(value instanceof Boolean b)) {
        throw wrongType(name, r, value, "Boolean");
      }
      v.setSafe(r, b ? 1 : 0);
    } else if (vector instanceof DateDayVector v) {
      if (!(value instanceof LocalDate d)) {
        throw wrongType(name, r, value, "LocalDate");
      }
      long day = d.toEpochDay();
      if (day < Integer.MIN_VALUE || day > Integer.MAX_VALUE) {
        throw new RowConversionException(name, r, "date " + d + " is out of range");
      }
      v.setSafe(r, (int) day);
    } else if (vector instanceof TimeStampMicroTZVector v) {
      if (!(value instanceof Instant t)) {
        throw wrongType(name, r, value, "Instant");
      }
      v.setSafe(r, microsOf(name, r, t));
    } else if (vector instanceof VarBinaryVector v) {
      v.setSafe(r, bytes(name, r, value));
    } else if (vector instanceof FixedSizeListVector v) {
      setFloatVector(v, field, r, value);
    } else if (vector instanceof ListVector v) {
      setList(v, field, r, value);
    } else {
      throw new RowConversionException(
          name, r, "unsupported vector " + vector.getClass().getSimpleName());
    }
  }

  private static void setNull(FieldVector vector, int r) {
    if (vector instanceof org.apache.arrow.vector.BaseFixedWidthVector v) {
      v.setNull(r);
    } else if (vector instanceof org.apache.arrow.vector.BaseVariableWidthVector v) {
      v.setNull(r);
    } else if (vector instanceof FixedSizeListVector v) {
      v.setNull(r);
      // A null vector still owns its child slots; they must be valid values, because Lance
      // rejects nulls in a non-nullable child that the parent's validity does not explain.
      if (v.getDataVector() instanceof Float4Vector child) {
        int size = v.getListSize();
        for (int j = 0; j < size; j++) {
          child.setSafe(r * size + j, 0f);
        }
      }
    } else if (vector instanceof ListVector v) {
      v.setNull(r);
    } else {
      throw new RowConversionException(
          vector.getName(), r, "cannot set null in " + vector.getClass().getSimpleName());
    }
  }

  private static void setFloatVector(FixedSizeListVector v, Field field, int r, Object value) {
    String name = field.getName();
    int size = v.getListSize();
    Float4Vector child = (Float4Vector) v.getDataVector();
    int start = r * size;
    if (value instanceof float[] a) {
      if (a.length != size) {
        throw new RowConversionException(
            name, r, "vector of length " + a.length + ", the column needs exactly " + size);
      }
      v.setNotNull(r);
      for (int j = 0; j < size; j++) {
        child.setSafe(start + j, a[j]);
      }
    } else if (value instanceof List<?> list) {
      if (list.size() != size) {
        throw new RowConversionException(
            name, r, "vector of length " + list.size() + ", the column needs exactly " + size);
      }
      v.setNotNull(r);
      for (int j = 0; j < size; j++) {
        if (!(list.get(j) instanceof Number n)) {
          throw new RowConversionException(
              name,
              r,
              "vector element "
                  + j
                  + " is "
                  + (list.get(j) == null ? "null" : list.get(j).getClass().getName())
                  + ", not a number");
        }
        child.setSafe(start + j, n.floatValue());
      }
    } else {
      throw wrongType(name, r, value, "float[] or List<Number>");
    }
  }

  private static void setList(ListVector v, Field field, int r, Object value) {
    String name = field.getName();
    if (!(value instanceof List<?> list)) {
      throw wrongType(name, r, value, "List");
    }
    Field elementField = field.getChildren().get(0);
    FieldVector child = (FieldVector) v.getDataVector();
    int offset = v.startNewValue(r);
    for (int j = 0; j < list.size(); j++) {
      Object element = list.get(j);
      if (element == null && !elementField.isNullable()) {
        throw new RowConversionException(
            name, r, "list element " + j + " is null but the element field is not nullable");
      }
      set(child, elementField, offset + j, element);
    }
    v.endValue(r, list.size());
  }

  private static byte[] utf8(String name, int r, Object value) {
    if (!(value instanceof CharSequence s)) {
      throw wrongType(name, r, value, "String");
    }
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String name, int r, Object value) {
    if (value instanceof byte[] b) {
      return b;
    }
    if (value instanceof ByteBuffer buffer) {
      byte[] b = new byte[buffer.remaining()];
      buffer.duplicate().get(b);
      return b;
    }
    throw wrongType(name, r, value, "byte[] or ByteBuffer");
  }

  private static long integral(String name, int r, Object value) {
    if (value instanceof Long
        || value instanceof Integer
        || value instanceof Short
        || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    throw wrongType(name, r, value, "an integer (Long, Integer, Short, Byte)");
  }

  private static Number number(String name, int r, Object value) {
    if (value instanceof Number n) {
      return n;
    }
    throw wrongType(name, r, value, "a Number");
  }

  private static RowConversionException wrongType(
      String name, int r, Object value, String expected) {
    return new RowConversionException(
        name, r, "expected " + expected + ", got " + value.getClass().getName());
  }

  /** Microseconds since the epoch; digits below the microsecond are truncated (floor). */
  static long microsOf(String name, int r, Instant t) {
    try {
      return Math.addExact(
          Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000L);
    } catch (ArithmeticException e) {
      throw new RowConversionException(name, r, "instant " + t + " is out of range");
    }
  }

  static Instant instantOfMicros(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }
}
