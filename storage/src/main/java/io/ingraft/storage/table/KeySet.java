package io.ingraft.storage.table;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * A set of key values of one key column, used for the Java semi-join that finds the rows a delete
 * or upsert replaces (docs/storage.md, "Lance 7.0.0 facts"): the table's {@code key,_rowaddr}
 * projection is scanned once and every row is probed here. Utf8 keys are compared by their exact
 * UTF-8 bytes, integer keys as {@code long}. Not thread-safe.
 */
final class KeySet {

  /** The key column types a key set (and a {@link KeyIndex}) supports. */
  enum KeyType {
    UTF8,
    INT32,
    INT64
  }

  private final String table;
  private final String column;
  private final KeyType type;
  private final Set<ByteBuffer> utf8 = new HashSet<>();
  private final Set<Long> ints = new HashSet<>();

  private KeySet(String table, String column, KeyType type) {
    this.table = table;
    this.column = column;
    this.type = type;
  }

  /** An empty set for the key column {@code field}; rejects unsupported key types. */
  static KeySet forColumn(String table, Field field) {
    return new KeySet(table, field.getName(), keyType(table, field));
  }

  /** Checks that {@code field} can be a key column: Utf8, Int32 or Int64. */
  static void checkKeyField(String table, Field field) {
    keyType(table, field);
  }

  static KeyType keyType(String table, Field field) {
    ArrowType t = field.getType();
    if (t instanceof ArrowType.Utf8) {
      return KeyType.UTF8;
    }
    if (t instanceof ArrowType.Int i && i.getIsSigned() && i.getBitWidth() == 32) {
      return KeyType.INT32;
    }
    if (t instanceof ArrowType.Int i && i.getIsSigned() && i.getBitWidth() == 64) {
      return KeyType.INT64;
    }
    throw new InvalidStagedWriteException(
        table,
        "key column " + field.getName() + " has type " + t + "; keys must be Utf8, Int32 or Int64");
  }

  /** Adds caller-given keys (String for Utf8 columns, integral numbers for Int columns). */
  void addAll(Collection<?> keys) {
    for (Object key : keys) {
      add(key);
    }
  }

  private void add(Object key) {
    if (key == null) {
      throw new InvalidStagedWriteException(table, "null key for key column " + column);
    }
    switch (type) {
      case UTF8 -> {
        if (!(key instanceof CharSequence s)) {
          throw wrongType(key);
        }
        utf8.add(ByteBuffer.wrap(s.toString().getBytes(StandardCharsets.UTF_8)));
      }
      case INT32, INT64 -> {
        if (!(key instanceof Long
            || key instanceof Integer
            || key instanceof Short
            || key instanceof Byte)) {
          throw wrongType(key);
        }
        ints.add(((Number) key).longValue());
      }
      default -> throw new IllegalStateException(type.name());
    }
  }

  private InvalidStagedWriteException wrongType(Object key) {
    return new InvalidStagedWriteException(
        table,
        "key "
            + key
            + " of "
            + key.getClass().getName()
            + " does not fit key column "
            + column
            + " ("
            + type
            + ")");
  }

  /**
   * Adds the key at {@code index} of {@code vector} (the key column of a batch to upsert).
   *
   * @return false if the key was already in the set
   */
  boolean addFrom(FieldVector vector, int index) {
    if (vector.isNull(index)) {
      throw new InvalidStagedWriteException(
          table, "row " + index + " has a null key in key column " + column);
    }
    return switch (type) {
      case UTF8 -> utf8.add(ByteBuffer.wrap(((VarCharVector) vector).get(index)));
      case INT32 -> ints.add((long) ((IntVector) vector).get(index));
      case INT64 -> ints.add(((BigIntVector) vector).get(index));
    };
  }

  /** Whether the key at {@code index} of {@code vector} is in the set (nulls never are). */
  boolean contains(FieldVector vector, int index) {
    if (vector.isNull(index)) {
      return false;
    }
    return switch (type) {
      case UTF8 -> utf8.contains(ByteBuffer.wrap(((VarCharVector) vector).get(index)));
      case INT32 -> ints.contains((long) ((IntVector) vector).get(index));
      case INT64 -> ints.contains(((BigIntVector) vector).get(index));
    };
  }

  /** The key at {@code index} of {@code vector}, for error messages. */
  static String render(FieldVector vector, int index) {
    Object value = vector.getObject(index);
    return value == null ? "null" : value.toString();
  }

  boolean isEmpty() {
    return utf8.isEmpty() && ints.isEmpty();
  }

  int size() {
    return utf8.size() + ints.size();
  }
}
