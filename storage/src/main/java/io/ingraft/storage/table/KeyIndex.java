package io.ingraft.storage.table;

import java.nio.charset.StandardCharsets;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;

/**
 * Where every key of one table's key column lives at one table version: key → Lance row address
 * ({@code (fragment id << 32) | row offset}). Built by one scan of {@code key,_rowaddr} ({@link
 * TableReader#keyIndex}) and then advanced over each committed write without a scan ({@link
 * TableReader#advanceKeyIndex}), so that a write by key finds the rows it replaces by lookup
 * ({@link TableStager#stageMerge(String, long, String, org.apache.arrow.vector.VectorSchemaRoot,
 * Collection, KeyIndex)}) instead of scanning the key column: its cost follows the batch, not the
 * table.
 *
 * <p>An index is tied to its (table path, version): {@link #isAt} is the only way to know it may be
 * used, and anything that cannot be advanced exactly {@linkplain #invalidate invalidates} it, so a
 * mismatch costs a rebuild and never gives a wrong answer.
 *
 * <p>Memory: an open-addressing table (linear probing, backward-shift deletion, load factor at most
 * 0.7) of primitive {@code long} addresses. Utf8 keys are kept as their UTF-8 bytes (compared
 * exactly, as {@link KeySet} does), Int32/Int64 keys as {@code long}s in a primitive array.
 * Measured at 1M and 10M keys: 27 to 34 bytes per integer key, 45 to 54 per Utf8 key of 8
 * characters (the slots plus one byte array per key; docs/benchmarks.md, "Engine"). Not
 * thread-safe: the writer thread of a table owns it.
 */
public final class KeyIndex {

  private static final long EMPTY = -1L;
  private static final double MAX_LOAD = 0.7;

  private final String table;
  private final String keyColumn;
  private final KeySet.KeyType type;
  private long version;

  /** Utf8 keys (null slots are free); null for integer key columns. */
  private byte[][] utf8;

  /** Integer keys; null for Utf8 key columns. */
  private long[] ints;

  /** Row address per slot, {@link #EMPTY} when free. */
  private long[] addresses;

  private int mask;
  private int size;

  /**
   * The highest fragment id of the version the index describes, or -1 when not known: Lance numbers
   * the fragments of the next write after it, so the advance can look those up by id instead of
   * listing every fragment. Only a hint; the advance checks what it finds.
   */
  private int highestFragmentId = -1;

  KeyIndex(String table, String keyColumn, KeySet.KeyType type, long version, int expected) {
    this.table = table;
    this.keyColumn = keyColumn;
    this.type = type;
    this.version = version;
    allocate(capacityFor(expected));
  }

  int highestFragmentId() {
    return highestFragmentId;
  }

  void highestFragmentId(int id) {
    highestFragmentId = id;
  }

  private static int capacityFor(int keys) {
    long needed = (long) Math.ceil(Math.max(keys, 16) / MAX_LOAD);
    long capacity = Long.highestOneBit(needed - 1) << 1;
    if (capacity > (1L << 30)) {
      throw new IllegalArgumentException("too many keys for one index: " + keys);
    }
    return (int) capacity;
  }

  private void allocate(int capacity) {
    addresses = new long[capacity];
    Arrays.fill(addresses, EMPTY);
    if (type == KeySet.KeyType.UTF8) {
      utf8 = new byte[capacity][];
    } else {
      ints = new long[capacity];
    }
    mask = capacity - 1;
  }

  /** The table path this index belongs to. */
  public String table() {
    return table;
  }

  /** The key column it indexes. */
  public String keyColumn() {
    return keyColumn;
  }

  /** The table version it describes, or -1 once {@linkplain #invalidate invalidated}. */
  public long version() {
    return version;
  }

  /** Whether it describes exactly version {@code version} of {@code table}. */
  public boolean isAt(String table, long version) {
    return this.version >= 0 && this.version == version && this.table.equals(table);
  }

  /** Makes the index unusable (it describes no version any more): the owner rebuilds it. */
  public void invalidate() {
    version = -1;
  }

  /** The number of keys (live rows) of the version. */
  public int size() {
    return size;
  }

  /** Whether {@code key} (String for Utf8, integral number for Int columns) has a row. */
  public boolean contains(Object key) {
    return addressOf(key) != EMPTY;
  }

  /** The row address of {@code key}, or -1 if the version has no row with it. */
  public long addressOf(Object key) {
    if (key == null) {
      return EMPTY;
    }
    if (type == KeySet.KeyType.UTF8) {
      return key instanceof CharSequence s
          ? addressOfUtf8(s.toString().getBytes(StandardCharsets.UTF_8))
          : EMPTY;
    }
    if (key instanceof Long
        || key instanceof Integer
        || key instanceof Short
        || key instanceof Byte) {
      return addressOfLong(((Number) key).longValue());
    }
    return EMPTY;
  }

  /** The row address of the key at {@code index} of {@code vector}, or -1. */
  long addressOf(FieldVector vector, int index) {
    if (vector.isNull(index)) {
      return EMPTY;
    }
    return switch (type) {
      case UTF8 -> addressOfUtf8(((VarCharVector) vector).get(index));
      case INT32 -> addressOfLong(((IntVector) vector).get(index));
      case INT64 -> addressOfLong(((BigIntVector) vector).get(index));
    };
  }

  /** Adds the key at {@code index} of {@code vector} (a scanned key column) at {@code address}. */
  void putFrom(FieldVector vector, int index, long address) {
    switch (type) {
      case UTF8 -> putUtf8(((VarCharVector) vector).get(index), address);
      case INT32 -> putLong(((IntVector) vector).get(index), address);
      case INT64 -> putLong(((BigIntVector) vector).get(index), address);
    }
  }

  /** Adds or moves a caller-given key (as for {@link #addressOf(Object)}). */
  void put(Object key, long address) {
    if (type == KeySet.KeyType.UTF8) {
      putUtf8(((CharSequence) key).toString().getBytes(StandardCharsets.UTF_8), address);
    } else {
      putLong(((Number) key).longValue(), address);
    }
  }

  /** Removes a caller-given key if present. */
  void remove(Object key) {
    int slot = slotOf(key);
    if (slot >= 0) {
      removeSlot(slot);
    }
  }

  void moveTo(long next) {
    version = next;
  }

  /**
   * The keys as a read-only set of plain Java values (String, Integer or Long as {@link
   * ArrowRows#valueAt} gives them); {@code contains} is a lookup, iteration decodes each key.
   */
  public Set<Object> keys() {
    return new AbstractSet<>() {
      @Override
      public boolean contains(Object o) {
        return KeyIndex.this.contains(o);
      }

      @Override
      public int size() {
        return size;
      }

      @Override
      public Iterator<Object> iterator() {
        return new Iterator<>() {
          private int slot = nextSlot(0);

          @Override
          public boolean hasNext() {
            return slot < addresses.length;
          }

          @Override
          public Object next() {
            if (slot >= addresses.length) {
              throw new NoSuchElementException();
            }
            Object key = keyAt(slot);
            slot = nextSlot(slot + 1);
            return key;
          }
        };
      }
    };
  }

  /** Every key with its row address, as plain Java values (for checks against a scan). */
  public Map<Object, Long> toMap() {
    Map<Object, Long> map = new HashMap<>(size * 2);
    for (int slot = nextSlot(0); slot < addresses.length; slot = nextSlot(slot + 1)) {
      map.put(keyAt(slot), addresses[slot]);
    }
    return map;
  }

  /**
   * Applies a committed write that deleted the rows of {@code removedKeys} (keys without a row are
   * ignored) and added the rows of {@code writtenKeys}, in the order they were written, to new
   * fragments {@code newFragmentIds} holding {@code newFragmentRows} rows each.
   *
   * @return false (and the index invalidated) if the fragments do not hold exactly the written rows
   */
  boolean advance(
      long committedVersion,
      Collection<?> removedKeys,
      List<?> writtenKeys,
      int[] newFragmentIds,
      long[] newFragmentRows) {
    long total = 0;
    for (long rows : newFragmentRows) {
      total += rows;
    }
    if (total != writtenKeys.size()) {
      invalidate();
      return false;
    }
    for (Object key : removedKeys) {
      remove(key);
    }
    int written = 0;
    for (int f = 0; f < newFragmentIds.length; f++) {
      long base = ((long) newFragmentIds[f]) << 32;
      for (long offset = 0; offset < newFragmentRows[f]; offset++) {
        put(writtenKeys.get(written++), base | offset);
      }
    }
    moveTo(committedVersion);
    return true;
  }

  /**
   * Applies a committed compaction: the live rows of fragments {@code removedFragmentIds} were
   * rewritten, in fragment and row order, to new fragments {@code newFragmentIds} holding {@code
   * newFragmentRows} rows each.
   *
   * @return false (and the index invalidated) if the row counts do not match
   */
  boolean remap(
      long committedVersion,
      Collection<Long> removedFragmentIds,
      int[] newFragmentIds,
      long[] newFragmentRows) {
    BitSet removed = new BitSet();
    for (long id : removedFragmentIds) {
      removed.set((int) id);
    }
    int moved = 0;
    int[] slots = new int[Math.max(16, size)];
    for (int slot = nextSlot(0); slot < addresses.length; slot = nextSlot(slot + 1)) {
      if (removed.get((int) (addresses[slot] >>> 32))) {
        slots[moved++] = slot;
      }
    }
    long total = 0;
    for (long rows : newFragmentRows) {
      total += rows;
    }
    if (total != moved) {
      invalidate();
      return false;
    }
    // The compaction wrote the live rows in the order it scanned them: by fragment id, then by
    // offset, which is the order of their addresses. A row's rank in that order is its place in
    // the new fragments.
    long[] order = new long[moved];
    for (int i = 0; i < moved; i++) {
      order[i] = addresses[slots[i]];
    }
    Arrays.sort(order);
    long[] firstRank = new long[newFragmentIds.length];
    for (int f = 1; f < newFragmentIds.length; f++) {
      firstRank[f] = firstRank[f - 1] + newFragmentRows[f - 1];
    }
    for (int i = 0; i < moved; i++) {
      int slot = slots[i];
      long rank = Arrays.binarySearch(order, addresses[slot]);
      int f = Arrays.binarySearch(firstRank, rank);
      if (f < 0) {
        f = -f - 2;
      }
      // Fragments of zero rows share a first rank with the next one: take the last of them.
      while (f + 1 < firstRank.length && firstRank[f + 1] == rank) {
        f++;
      }
      addresses[slot] = (((long) newFragmentIds[f]) << 32) | (rank - firstRank[f]);
    }
    moveTo(committedVersion);
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Open addressing

  private static int mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return (int) h;
  }

  private static int hashOf(byte[] key) {
    long h = 1125899906842597L;
    for (byte b : key) {
      h = 31 * h + b;
    }
    return mix(h);
  }

  private int slotOf(Object key) {
    if (key == null) {
      return -1;
    }
    if (type == KeySet.KeyType.UTF8) {
      return key instanceof CharSequence s
          ? slotOfUtf8(s.toString().getBytes(StandardCharsets.UTF_8))
          : -1;
    }
    return key instanceof Number n ? slotOfLong(n.longValue()) : -1;
  }

  private int slotOfUtf8(byte[] key) {
    for (int slot = hashOf(key) & mask; addresses[slot] != EMPTY; slot = (slot + 1) & mask) {
      if (Arrays.equals(utf8[slot], key)) {
        return slot;
      }
    }
    return -1;
  }

  private int slotOfLong(long key) {
    for (int slot = mix(key) & mask; addresses[slot] != EMPTY; slot = (slot + 1) & mask) {
      if (ints[slot] == key) {
        return slot;
      }
    }
    return -1;
  }

  private long addressOfUtf8(byte[] key) {
    int slot = slotOfUtf8(key);
    return slot < 0 ? EMPTY : addresses[slot];
  }

  private long addressOfLong(long key) {
    int slot = slotOfLong(key);
    return slot < 0 ? EMPTY : addresses[slot];
  }

  private void putUtf8(byte[] key, long address) {
    growIfNeeded();
    int slot = hashOf(key) & mask;
    while (addresses[slot] != EMPTY) {
      if (Arrays.equals(utf8[slot], key)) {
        addresses[slot] = address;
        return;
      }
      slot = (slot + 1) & mask;
    }
    utf8[slot] = key;
    addresses[slot] = address;
    size++;
  }

  private void putLong(long key, long address) {
    growIfNeeded();
    int slot = mix(key) & mask;
    while (addresses[slot] != EMPTY) {
      if (ints[slot] == key) {
        addresses[slot] = address;
        return;
      }
      slot = (slot + 1) & mask;
    }
    ints[slot] = key;
    addresses[slot] = address;
    size++;
  }

  private int homeOf(int slot) {
    return (type == KeySet.KeyType.UTF8 ? hashOf(utf8[slot]) : mix(ints[slot])) & mask;
  }

  /** Backward-shift deletion: later entries of the probe run move up, so no tombstones. */
  private void removeSlot(int slot) {
    int hole = slot;
    int next = (hole + 1) & mask;
    while (addresses[next] != EMPTY) {
      int home = homeOf(next);
      // The entry at next may fill the hole if its home is not cyclically in (hole, next].
      boolean movable =
          hole <= next ? (home <= hole || home > next) : (home <= hole && home > next);
      if (movable) {
        addresses[hole] = addresses[next];
        if (utf8 != null) {
          utf8[hole] = utf8[next];
        } else {
          ints[hole] = ints[next];
        }
        hole = next;
      }
      next = (next + 1) & mask;
    }
    addresses[hole] = EMPTY;
    if (utf8 != null) {
      utf8[hole] = null;
    }
    size--;
  }

  private void growIfNeeded() {
    if (size + 1 <= (long) (addresses.length * MAX_LOAD)) {
      return;
    }
    long[] oldAddresses = addresses;
    byte[][] oldUtf8 = utf8;
    long[] oldInts = ints;
    allocate(addresses.length * 2);
    size = 0;
    for (int slot = 0; slot < oldAddresses.length; slot++) {
      if (oldAddresses[slot] != EMPTY) {
        if (oldUtf8 != null) {
          putUtf8(oldUtf8[slot], oldAddresses[slot]);
        } else {
          putLong(oldInts[slot], oldAddresses[slot]);
        }
      }
    }
  }

  private int nextSlot(int from) {
    int slot = from;
    while (slot < addresses.length && addresses[slot] == EMPTY) {
      slot++;
    }
    return slot;
  }

  private Object keyAt(int slot) {
    return switch (type) {
      case UTF8 -> new String(utf8[slot], StandardCharsets.UTF_8);
      case INT32 -> (int) ints[slot];
      case INT64 -> ints[slot];
    };
  }

  @Override
  public String toString() {
    return "KeyIndex[" + table + "." + keyColumn + " @" + version + ", " + size + " keys]";
  }
}
