package io.ingraft.storage.table;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.lance.schema.LanceField;
import org.lance.schema.LanceSchema;

/**
 * Brings Arrow batches into the exact shape a table's data files need, because Lance 7.0.0 does
 * not: {@code Fragment.write} ignores the existing dataset's schema and numbers the batch's fields
 * 0, 1, 2, … <b>by position</b> (observed: a batch with columns {@code name, id, age} written to a
 * table {@code id, name, age} committed fine and read back with {@code id} and {@code name}
 * swapped; a batch lacking the middle column {@code name} committed fine and every later scan
 * failed with a Rust panic). So every batch handed to Lance here has exactly the table's columns in
 * the table's order, columns the caller left out are filled with nulls, and writes are refused on a
 * table whose Lance field ids are not the sequential ids a batch gets (a table whose columns were
 * dropped or added outside {@link TableStore}).
 */
final class TableBatches {

  private TableBatches() {}

  /**
   * Refuses to write data files for a table whose Lance field ids are not 0, 1, 2, … in depth-first
   * order: {@code Fragment.write} would number the batch's fields that way and the data would land
   * in the wrong columns. Tables created and rewritten by {@link TableStore} always have sequential
   * ids.
   */
  static void requireSequentialFieldIds(String table, LanceSchema schema) {
    int[] next = {0};
    String bad = firstOutOfSequence(schema.fields(), next);
    if (bad != null) {
      throw new InvalidStagedWriteException(
          table,
          "the table's Lance field ids are not "
              + "sequential (at column "
              + bad
              + "): its columns were changed outside TableStore, "
              + "and Lance would write new rows into the wrong columns; rewrite the table "
              + "(stageRewrite) first");
    }
  }

  private static String firstOutOfSequence(List<LanceField> fields, int[] next) {
    for (LanceField f : fields) {
      if (f.getId() != next[0]++) {
        return f.getName();
      }
      String bad = firstOutOfSequence(f.getChildren(), next);
      if (bad != null) {
        return f.getName() + "." + bad;
      }
    }
    return null;
  }

  /**
   * Checks a batch's columns against the table's: every column of the batch must be a table column
   * of the same type (field metadata and child names are ignored), and every table column the batch
   * lacks must be nullable (it is written as null).
   */
  static void checkRowsSchema(String table, Schema tableSchema, Schema rowsSchema) {
    Map<String, Field> byName = new LinkedHashMap<>();
    for (Field f : rowsSchema.getFields()) {
      if (byName.put(f.getName(), f) != null) {
        throw new InvalidStagedWriteException(table, "rows have column " + f.getName() + " twice");
      }
    }
    for (Field want : tableSchema.getFields()) {
      Field got = byName.remove(want.getName());
      if (got == null) {
        if (!want.isNullable()) {
          throw new InvalidStagedWriteException(
              table, "rows lack column " + want.getName() + ", which is not nullable");
        }
        continue;
      }
      if (!sameType(want, got)) {
        throw new InvalidStagedWriteException(
            table,
            "column "
                + want.getName()
                + " is "
                + describe(got)
                + " in the rows but "
                + describe(want)
                + " in the table");
      }
    }
    if (!byName.isEmpty()) {
      throw new InvalidStagedWriteException(
          table, "rows have columns the table lacks: " + byName.keySet());
    }
  }

  static boolean sameType(Field a, Field b) {
    if (!a.getType().equals(b.getType()) || a.getChildren().size() != b.getChildren().size()) {
      return false;
    }
    for (int i = 0; i < a.getChildren().size(); i++) {
      if (!sameType(a.getChildren().get(i), b.getChildren().get(i))) {
        return false;
      }
    }
    return true;
  }

  static String describe(Field f) {
    return f.getChildren().isEmpty()
        ? f.getType().toString()
        : f.getType() + "<" + f.getChildren().stream().map(TableBatches::describe).toList() + ">";
  }

  /** {@code schema} without field metadata, as data files are written (Lance keeps its own). */
  static Schema dataSchema(Schema schema) {
    return new Schema(schema.getFields().stream().map(TableBatches::withoutMetadata).toList());
  }

  private static Field withoutMetadata(Field f) {
    return new Field(
        f.getName(),
        new FieldType(f.isNullable(), f.getType(), f.getDictionary()),
        f.getChildren().stream().map(TableBatches::withoutMetadata).toList());
  }

  /**
   * A batch of {@code rows} null values for each of {@code fields} (all nullable). The caller owns
   * and closes it.
   */
  static VectorSchemaRoot nullColumns(
      String table, List<Field> fields, int rows, BufferAllocator allocator) {
    try {
      return ArrowRows.toRoot(new Schema(fields), Collections.nCopies(rows, Map.of()), allocator);
    } catch (RowConversionException e) {
      throw new InvalidStagedWriteException(
          table, "cannot fill column " + e.field() + " with nulls: " + e.getMessage(), e);
    }
  }

  /**
   * A caller's batch seen with exactly the table's columns, in the table's order: the caller's
   * vectors are referenced (never closed here), missing nullable columns are null vectors owned by
   * this object. Close it to release those.
   */
  static final class Conformed implements AutoCloseable {
    private final VectorSchemaRoot root;
    private final VectorSchemaRoot nulls;

    private Conformed(VectorSchemaRoot root, VectorSchemaRoot nulls) {
      this.root = root;
      this.nulls = nulls;
    }

    /** The batch to hand to Lance; do not close it (it references the caller's vectors). */
    VectorSchemaRoot root() {
      return root;
    }

    int rowCount() {
      return root.getRowCount();
    }

    @Override
    public void close() {
      nulls.close();
    }
  }

  /**
   * {@code rows} conformed to {@code tableSchema} ({@link #checkRowsSchema} first).
   *
   * @throws InvalidStagedWriteException on a schema mismatch or a null in a non-nullable column
   */
  static Conformed conform(
      String table, Schema tableSchema, VectorSchemaRoot rows, BufferAllocator allocator) {
    checkRowsSchema(table, tableSchema, rows.getSchema());
    int count = rows.getRowCount();
    List<Field> missing = new ArrayList<>();
    for (Field want : tableSchema.getFields()) {
      if (rows.getVector(want.getName()) == null) {
        missing.add(withoutMetadata(want));
      }
    }
    VectorSchemaRoot nulls = nullColumns(table, missing, count, allocator);
    try {
      List<Field> fields = new ArrayList<>();
      List<FieldVector> vectors = new ArrayList<>();
      for (Field want : tableSchema.getFields()) {
        FieldVector vector = rows.getVector(want.getName());
        if (vector == null) {
          vector = nulls.getVector(want.getName());
        } else if (!want.isNullable() && vector.getNullCount() > 0) {
          throw new InvalidStagedWriteException(
              table,
              "column "
                  + want.getName()
                  + " is not nullable but "
                  + vector.getNullCount()
                  + " rows have null");
        }
        fields.add(withoutMetadata(want));
        vectors.add(vector);
      }
      return new Conformed(new VectorSchemaRoot(fields, vectors, count), nulls);
    } catch (RuntimeException e) {
      nulls.close();
      throw e;
    }
  }

  /**
   * Reads a table's batches (from a Lance scan) and hands them on in {@code target}'s shape:
   * columns of the source are moved over (Arrow transfer, no copy), columns the source lacks are
   * null. Used to stream a whole table version into {@code Fragment.write} for a rewrite with
   * bounded memory: Lance pulls one batch at a time. Closing it closes the source reader; closing
   * twice is harmless (Lance closes it when it releases the exported stream).
   */
  static final class ConformingReader extends ArrowReader {
    private final String table;
    private final ArrowReader source;
    private final Schema target;
    private final List<Field> missing = new ArrayList<>();
    private long rows;
    private boolean sourceClosed;
    private RuntimeException failure;

    ConformingReader(
        String table,
        BufferAllocator allocator,
        ArrowReader source,
        Schema sourceSchema,
        Schema target) {
      super(allocator);
      this.table = table;
      this.source = source;
      this.target = dataSchema(target);
      Map<String, Field> present = new HashMap<>();
      for (Field f : sourceSchema.getFields()) {
        present.put(f.getName(), f);
      }
      for (Field f : this.target.getFields()) {
        if (!present.containsKey(f.getName())) {
          missing.add(f);
        }
      }
    }

    @Override
    public boolean loadNextBatch() throws IOException {
      try {
        if (!source.loadNextBatch()) {
          return false;
        }
        VectorSchemaRoot in = source.getVectorSchemaRoot();
        VectorSchemaRoot out = getVectorSchemaRoot();
        int count = in.getRowCount();
        try (VectorSchemaRoot nulls = nullColumns(table, missing, count, allocator)) {
          for (FieldVector to : out.getFieldVectors()) {
            FieldVector from = in.getVector(to.getName());
            if (from == null) {
              from = nulls.getVector(to.getName());
            }
            from.makeTransferPair(to).transfer();
          }
        }
        out.setRowCount(count);
        rows += count;
        return true;
      } catch (RuntimeException e) {
        failure = e;
        throw e;
      }
    }

    /** Rows handed on so far. */
    long rows() {
      return rows;
    }

    /** The exception this reader threw while Lance pulled from it, if any. */
    RuntimeException failure() {
      return failure;
    }

    @Override
    public long bytesRead() {
      return 0;
    }

    @Override
    protected void closeReadSource() throws IOException {
      if (!sourceClosed) {
        sourceClosed = true;
        source.close();
      }
    }

    @Override
    protected Schema readSchema() {
      return target;
    }
  }
}
