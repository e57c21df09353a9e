package io.ingraft.storage.table;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The rules a table's schema follows, checked before Lance sees it: a key column is a non-nullable
 * column of a key type marked with {@link TableStore#PRIMARY_KEY_METADATA}, column names are
 * distinct, and an evolved schema keeps every column with its type, nullability and key mark and
 * only adds nullable columns {@link ArrowRows} can fill with nulls. Violations are {@link
 * InvalidStagedWriteException}s naming the column. Used by the stager and by {@link
 * TableCommitter#create}.
 */
final class TableSchemas {

  private TableSchemas() {}

  /**
   * {@code schema} with {@code keyColumn} marked as the key ({@value
   * TableStore#PRIMARY_KEY_METADATA} {@code =true}), after checking the column exists, is
   * non-nullable and of a key type.
   */
  static Schema withPrimaryKey(String table, Schema schema, String keyColumn) {
    List<Field> fields = new ArrayList<>();
    boolean found = false;
    for (Field f : schema.getFields()) {
      if (f.getName().equals(keyColumn)) {
        KeySet.checkKeyField(table, f);
        if (f.isNullable()) {
          // Lance refuses a nullable primary key with an untyped RuntimeException at create.
          throw new InvalidStagedWriteException(
              table, "key column " + keyColumn + " must not be nullable");
        }
        Map<String, String> metadata = new HashMap<>();
        if (f.getMetadata() != null) {
          metadata.putAll(f.getMetadata());
        }
        metadata.put(TableStore.PRIMARY_KEY_METADATA, "true");
        fields.add(
            new Field(
                f.getName(),
                new FieldType(f.isNullable(), f.getType(), f.getDictionary(), metadata),
                f.getChildren()));
        found = true;
      } else {
        fields.add(f);
      }
    }
    if (!found) {
      throw new InvalidStagedWriteException(
          table, "key column " + keyColumn + " is not in the schema");
    }
    return new Schema(fields, schema.getCustomMetadata());
  }

  /**
   * {@code requested} checked against the table's {@code old} schema, with the key metadata of the
   * old columns carried over and the old columns' child fields kept.
   */
  static Schema evolvedSchema(String table, Schema old, Schema requested) {
    requireDistinctColumns(table, requested);
    Map<String, Field> oldByName = new HashMap<>();
    for (Field f : old.getFields()) {
      oldByName.put(f.getName(), f);
    }
    List<Field> fields = new ArrayList<>();
    List<Field> added = new ArrayList<>();
    for (Field f : requested.getFields()) {
      Field before = oldByName.remove(f.getName());
      if (before == null) {
        if (!f.isNullable()) {
          throw new InvalidStagedWriteException(
              table, "new column " + f.getName() + " must be nullable: the existing rows get null");
        }
        if (f.getMetadata() != null
            && f.getMetadata().containsKey(TableStore.PRIMARY_KEY_METADATA)) {
          throw new InvalidStagedWriteException(
              table,
              "new column " + f.getName() + " cannot be the key: the existing rows have no value");
        }
        added.add(f);
        fields.add(f);
        continue;
      }
      if (!TableBatches.sameType(before, f)) {
        throw new InvalidStagedWriteException(
            table,
            "column "
                + f.getName()
                + " is "
                + TableBatches.describe(f)
                + " in the new schema but "
                + TableBatches.describe(before)
                + " in the table");
      }
      if (before.isNullable() != f.isNullable()) {
        throw new InvalidStagedWriteException(
            table,
            "column "
                + f.getName()
                + " cannot change from "
                + (before.isNullable() ? "nullable" : "not nullable")
                + " to "
                + (f.isNullable() ? "nullable" : "not nullable"));
      }
      Map<String, String> metadata = new HashMap<>();
      if (f.getMetadata() != null) {
        metadata.putAll(f.getMetadata());
      }
      if (before.getMetadata() != null
          && "true".equals(before.getMetadata().get(TableStore.PRIMARY_KEY_METADATA))) {
        metadata.put(TableStore.PRIMARY_KEY_METADATA, "true");
      }
      fields.add(
          new Field(
              f.getName(),
              new FieldType(
                  before.isNullable(), before.getType(), before.getDictionary(), metadata),
              before.getChildren()));
    }
    if (!oldByName.isEmpty()) {
      throw new InvalidStagedWriteException(
          table,
          "the new schema lacks column "
              + oldByName.keySet().iterator().next()
              + (oldByName.size() > 1
                  ? " (and " + (oldByName.size() - 1) + " more: " + oldByName.keySet() + ")"
                  : "")
              + "; a rewrite cannot drop columns");
    }
    try {
      ArrowRows.checkSupported(new Schema(added));
    } catch (RowConversionException e) {
      throw new InvalidStagedWriteException(
          table, "new column " + e.field() + " cannot be filled with nulls: " + e.getMessage(), e);
    }
    Map<String, String> custom = new HashMap<>();
    if (old.getCustomMetadata() != null) {
      custom.putAll(old.getCustomMetadata());
    }
    if (requested.getCustomMetadata() != null) {
      custom.putAll(requested.getCustomMetadata());
    }
    return new Schema(fields, custom.isEmpty() ? null : custom);
  }

  /** Refuses a schema without columns or with a column name twice. */
  static void requireDistinctColumns(String table, Schema schema) {
    if (schema.getFields().isEmpty()) {
      throw new InvalidStagedWriteException(table, "a table needs at least one column");
    }
    Set<String> names = new HashSet<>();
    for (Field f : schema.getFields()) {
      if (!names.add(f.getName())) {
        throw new InvalidStagedWriteException(
            table, "column " + f.getName() + " appears twice in the schema");
      }
    }
  }

  /** The field of {@code keyColumn} in {@code schema}; refuses a null or unknown key column. */
  static Field keyField(String table, Schema schema, String keyColumn) {
    if (keyColumn == null) {
      throw new InvalidStagedWriteException(table, "a key column is required");
    }
    return schema.getFields().stream()
        .filter(f -> f.getName().equals(keyColumn))
        .findFirst()
        .orElseThrow(
            () -> new InvalidStagedWriteException(table, "unknown key column " + keyColumn));
  }
}
