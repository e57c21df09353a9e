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
 * 0.7) of two {@code long}s per slot side by side, the row address and, for an Int32/Int64 column,
 * the key, or, for a Utf8 column, the key's hash and where its UTF-8 bytes lie in a paged arena of
 * byte arrays (compared exactly, as {@link KeySet} does). A lookup so reads one cache line of the
 * slots and, for a Utf8 key whose hash matches, the arena once; a miss rarely leaves the slots.
 * Removed keys' bytes stay in the arena until it is rewritten, at the next growth or once they
 * outweigh the live ones. Measured at 1M and 10M keys in docs/benchmarks.md, "Engine". Not
 * thread-safe: the writer thread of a table owns it.
 */
public final class KeyIndex {

  private static final long EMPTY = -1L;
  private static final double MAX_LOAD = 0.7;

  /** Largest arena page; a key longer than a page gets a page of its own. */
  private static final int PAGE_BITS = 20;

  private static final int MAX_PAGE = 1 << PAGE_BITS;
  private static final int FIRST_PAGE = 4_096;

  /**
   * A position in the arena is (page << PAGE_BITS) | offset in 32 bits: at most this many pages.
   */
  private static final int MAX_PAGES = 1 << (32 - PAGE_BITS);

  private final String table;
  private final String keyColumn;
  private final KeySet.KeyType type;
  private long version;

  /**
   * Two longs per slot: {@code [2s]} the row address ({@link #EMPTY} when the slot is free), {@code
   * [2s + 1]} the key (integer columns) or {@code hash << 32 | arena position} (Utf8 columns).
   */
  private long[] slots;

  /** The Utf8 keys' bytes, each a length (1 or 5 bytes) then the bytes; null for integer keys. */
  private byte[][] pages;

  private int pageCount;
  private int pageFill;

  /** Arena bytes written, and those of keys still in the index. */
  private long arenaUsed;

  private long arenaLive;

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
    if (capacity > (1L << 29)) {
      throw new IllegalArgumentException("too many keys for one index: " + keys);
    }
    return (int) capacity;
  }

  private void allocate(int capacity) {
    slots = new long[2 * capacity];
    for (int i = 0; i < slots.length; i += 2) {
      slots[i] = EMPTY;
    }
    if (type == KeySet.KeyType.UTF8) {
      pages = new byte[4][];
      pageCount = 0;
      pageFill = 0;
      arenaUsed = 0;
      arenaLive = 0;
    }
    mask = capacity - 1;
  }

  private int capacity() {
    return slots.length / 2;
  }

  private long addressAt(int slot) {
    return slots[2 * slot];
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
            return slot < capacity();
          }

          @Override
          public Object next() {
            if (slot >= capacity()) {
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
    for (int slot = nextSlot(0); slot < capacity(); slot = nextSlot(slot + 1)) {
      map.put(keyAt(slot), addressAt(slot));
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
    int[] movedSlots = new int[Math.max(16, size)];
    for (int slot = nextSlot(0); slot < capacity(); slot = nextSlot(slot + 1)) {
      if (removed.get((int) (addressAt(slot) >>> 32))) {
        movedSlots[moved++] = slot;
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
      order[i] = addressAt(movedSlots[i]);
    }
    Arrays.sort(order);
    long[] firstRank = new long[newFragmentIds.length];
    for (int f = 1; f < newFragmentIds.length; f++) {
      firstRank[f] = firstRank[f - 1] + newFragmentRows[f - 1];
    }
    for (int i = 0; i < moved; i++) {
      int slot = movedSlots[i];
      long rank = Arrays.binarySearch(order, addressAt(slot));
      int f = Arrays.binarySearch(firstRank, rank);
      if (f < 0) {
        f = -f - 2;
      }
      // Fragments of zero rows share a first rank with the next one: take the last of them.
      while (f + 1 < firstRank.length && firstRank[f + 1] == rank) {
        f++;
      }
      slots[2 * slot] = (((long) newFragmentIds[f]) << 32) | (rank - firstRank[f]);
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
    int hash = hashOf(key);
    for (int slot = hash & mask; slots[2 * slot] != EMPTY; slot = (slot + 1) & mask) {
      long meta = slots[2 * slot + 1];
      if ((int) (meta >>> 32) == hash && arenaEquals((int) meta, key)) {
        return slot;
      }
    }
    return -1;
  }

  private int slotOfLong(long key) {
    for (int slot = mix(key) & mask; slots[2 * slot] != EMPTY; slot = (slot + 1) & mask) {
      if (slots[2 * slot + 1] == key) {
        return slot;
      }
    }
    return -1;
  }

  private long addressOfUtf8(byte[] key) {
    int slot = slotOfUtf8(key);
    return slot < 0 ? EMPTY : slots[2 * slot];
  }

  private long addressOfLong(long key) {
    int slot = slotOfLong(key);
    return slot < 0 ? EMPTY : slots[2 * slot];
  }

  private void putUtf8(byte[] key, long address) {
    growIfNeeded();
    int hash = hashOf(key);
    int slot = hash & mask;
    while (slots[2 * slot] != EMPTY) {
      long meta = slots[2 * slot + 1];
      if ((int) (meta >>> 32) == hash && arenaEquals((int) meta, key)) {
        slots[2 * slot] = address;
        return;
      }
      slot = (slot + 1) & mask;
    }
    int position = append(key, 0, key.length);
    slots[2 * slot + 1] = ((long) hash << 32) | (position & 0xFFFF_FFFFL);
    slots[2 * slot] = address;
    size++;
  }

  private void putLong(long key, long address) {
    growIfNeeded();
    int slot = mix(key) & mask;
    while (slots[2 * slot] != EMPTY) {
      if (slots[2 * slot + 1] == key) {
        slots[2 * slot] = address;
        return;
      }
      slot = (slot + 1) & mask;
    }
    slots[2 * slot + 1] = key;
    slots[2 * slot] = address;
    size++;
  }

  private int homeOf(int slot) {
    long meta = slots[2 * slot + 1];
    return (type == KeySet.KeyType.UTF8 ? (int) (meta >>> 32) : mix(meta)) & mask;
  }

  /** Backward-shift deletion: later entries of the probe run move up, so no tombstones. */
  private void removeSlot(int slot) {
    if (type == KeySet.KeyType.UTF8) {
      arenaLive -= storedLength((int) slots[2 * slot + 1]);
    }
    int hole = slot;
    int next = (hole + 1) & mask;
    while (slots[2 * next] != EMPTY) {
      int home = homeOf(next);
      // The entry at next may fill the hole if its home is not cyclically in (hole, next].
      boolean movable =
          hole <= next ? (home <= hole || home > next) : (home <= hole && home > next);
      if (movable) {
        slots[2 * hole] = slots[2 * next];
        slots[2 * hole + 1] = slots[2 * next + 1];
        hole = next;
      }
      next = (next + 1) & mask;
    }
    slots[2 * hole] = EMPTY;
    size--;
  }

  private void growIfNeeded() {
    boolean full = size + 1 > (long) (capacity() * MAX_LOAD);
    // Rewrite the arena without removed keys' bytes once they outweigh the live ones.
    boolean wasteful =
        type == KeySet.KeyType.UTF8 && arenaUsed - arenaLive > Math.max(arenaLive, MAX_PAGE);
    if (full || wasteful) {
      rehash(full ? capacity() * 2 : capacity());
    }
  }

  /**
   * Moves every entry into fresh slots of {@code capacity}, and every Utf8 key into a new arena.
   */
  private void rehash(int capacity) {
    long[] oldSlots = slots;
    byte[][] oldPages = pages;
    allocate(capacity);
    size = 0;
    for (int i = 0; i < oldSlots.length; i += 2) {
      long address = oldSlots[i];
      if (address == EMPTY) {
        continue;
      }
      long meta = oldSlots[i + 1];
      int slot = (type == KeySet.KeyType.UTF8 ? (int) (meta >>> 32) : mix(meta)) & mask;
      while (slots[2 * slot] != EMPTY) {
        slot = (slot + 1) & mask;
      }
      if (type == KeySet.KeyType.UTF8) {
        int position = (int) meta;
        byte[] page = oldPages[position >>> PAGE_BITS];
        int at = position & (MAX_PAGE - 1);
        int length = lengthAt(page, at);
        int moved = append(page, at + headerLength(length), length);
        meta = (meta & 0xFFFF_FFFF_0000_0000L) | (moved & 0xFFFF_FFFFL);
      }
      slots[2 * slot] = address;
      slots[2 * slot + 1] = meta;
      size++;
    }
  }

  private int nextSlot(int from) {
    int slot = from;
    while (slot < capacity() && slots[2 * slot] == EMPTY) {
      slot++;
    }
    return slot;
  }

  private Object keyAt(int slot) {
    long meta = slots[2 * slot + 1];
    return switch (type) {
      case UTF8 -> {
        int position = (int) meta;
        byte[] page = pages[position >>> PAGE_BITS];
        int at = position & (MAX_PAGE - 1);
        int length = lengthAt(page, at);
        yield new String(page, at + headerLength(length), length, StandardCharsets.UTF_8);
      }
      case INT32 -> (int) meta;
      case INT64 -> meta;
    };
  }

  // ---------------------------------------------------------------------------------------------
  // The Utf8 keys' arena

  private static int headerLength(int length) {
    return length < 0x80 ? 1 : 5;
  }

  private static int lengthAt(byte[] page, int at) {
    byte first = page[at];
    if (first >= 0) {
      return first;
    }
    return ((page[at + 1] & 0xFF) << 24)
        | ((page[at + 2] & 0xFF) << 16)
        | ((page[at + 3] & 0xFF) << 8)
        | (page[at + 4] & 0xFF);
  }

  /** Arena bytes a stored key takes (header and bytes). */
  private int storedLength(int position) {
    int length = lengthAt(pages[position >>> PAGE_BITS], position & (MAX_PAGE - 1));
    return headerLength(length) + length;
  }

  private boolean arenaEquals(int position, byte[] key) {
    byte[] page = pages[position >>> PAGE_BITS];
    int at = position & (MAX_PAGE - 1);
    int length = lengthAt(page, at);
    if (length != key.length) {
      return false;
    }
    int from = at + headerLength(length);
    return Arrays.equals(page, from, from + length, key, 0, length);
  }

  /** Copies a key into the arena; returns its position. */
  private int append(byte[] source, int from, int length) {
    int stored = headerLength(length) + length;
    if (pageCount == 0 || pageFill + stored > pages[pageCount - 1].length) {
      int previous = pageCount == 0 ? FIRST_PAGE / 2 : pages[pageCount - 1].length;
      // Pages double up to MAX_PAGE, so a small index stays small; a key longer than that gets a
      // page of its own.
      newPage(Math.max(Math.min(MAX_PAGE, previous * 2), stored));
    }
    byte[] page = pages[pageCount - 1];
    int at = pageFill;
    if (length < 0x80) {
      page[at] = (byte) length;
    } else {
      page[at] = (byte) 0x80;
      page[at + 1] = (byte) (length >>> 24);
      page[at + 2] = (byte) (length >>> 16);
      page[at + 3] = (byte) (length >>> 8);
      page[at + 4] = (byte) length;
    }
    System.arraycopy(source, from, page, at + headerLength(length), length);
    pageFill += stored;
    arenaUsed += stored;
    arenaLive += stored;
    return ((pageCount - 1) << PAGE_BITS) | at;
  }

  private void newPage(int bytes) {
    if (pageCount == MAX_PAGES) {
      throw new IllegalStateException(
          "key index of " + table + "." + keyColumn + ": its keys exceed " + MAX_PAGES + " pages");
    }
    if (pageCount == pages.length) {
      pages = Arrays.copyOf(pages, Math.min(MAX_PAGES, pages.length * 2));
    }
    pages[pageCount++] = new byte[bytes];
    pageFill = 0;
  }

  @Override
  public String toString() {
    return "KeyIndex[" + table + "." + keyColumn + " @" + version + ", " + size + " keys]";
  }
}
