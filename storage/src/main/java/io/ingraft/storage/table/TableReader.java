package io.ingraft.storage.table;

import io.ingraft.IngraftException;
import io.ingraft.storage.object.ObjectInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.lance.Dataset;
import org.lance.Fragment;
import org.lance.FragmentMetadata;
import org.lance.Transaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read side of a {@link TableStore}: whether a table exists and its HEAD, and everything about
 * a <b>pinned</b> version — row counts (with a filter), schema, fragment statistics, scans into
 * Arrow batches or plain rows — plus the version history: the transaction behind a version, the
 * version a transaction uuid committed, and the data files no version references. It never writes;
 * only {@link #headVersion} and {@link #headIfExists} look at HEAD, every other read names the
 * version it reads. Shares the store's allocator and table handles ({@code LanceTables}) with the
 * stager and the committer; thread-safe.
 */
public final class TableReader {

  private static final int KEY_SCAN_BATCH = 65_536;

  private static final Logger LOG = LoggerFactory.getLogger(TableReader.class);

  private final LanceTables lance;

  TableReader(LanceTables lance) {
    this.lance = lance;
  }

  /** Whether a table exists at the path. */
  public boolean exists(String table) {
    lance.checkOpen();
    return lance.exists(table);
  }

  /** The table's latest version (HEAD). Readers should use pinned versions instead. */
  public long headVersion(String table) {
    lance.checkOpen();
    try (Dataset ds = lance.openLatest(table)) {
      return ds.version();
    }
  }

  /**
   * HEAD of the table, or empty if no table exists at the path: one open, where {@link #exists}
   * followed by {@link #headVersion} takes two, and no open at all while a write keeps a handle of
   * the table (the store is still asked for its newest version).
   */
  public OptionalLong headIfExists(String table) {
    lance.checkOpen();
    OptionalLong seen = lance.latestThroughKept(table);
    return seen.isPresent() ? seen : lance.headOrEmpty(table);
  }

  /** The number of rows of the table at {@code version}. */
  public long count(String table, long version) {
    lance.checkOpen();
    try (Dataset ds = lance.openAt(table, version)) {
      return ds.countRows();
    } catch (Exception e) {
      throw LanceErrors.onRead(table, "count rows", e);
    }
  }

  /**
   * The number of rows of the table at {@code version} that match {@code filter} (a SQL predicate
   * as in {@link ScanSpec#filter}); null or blank counts every row. Cheap for existence and
   * cardinality checks: nothing is materialized in Java.
   *
   * @throws InvalidScanException for an invalid filter or one naming an unknown column
   */
  public long countWhere(String table, long version, String filter) {
    lance.checkOpen();
    try (Dataset ds = lance.openAt(table, version)) {
      return filter == null || filter.isBlank() ? ds.countRows() : ds.countRows(filter);
    } catch (Exception e) {
      throw LanceErrors.onScan(table, e);
    }
  }

  /** The table's schema at {@code version}, including field metadata. */
  public Schema schema(String table, long version) {
    lance.checkOpen();
    try (Dataset ds = lance.openAt(table, version)) {
      return ds.getSchema();
    } catch (Exception e) {
      throw LanceErrors.onRead(table, "read schema", e);
    }
  }

  /**
   * Data files under the table's {@code data/} folder that no table version references: the staged
   * files of writes that were never committed (a rolled-back batch, a crash before the commit).
   * They are listed, never deleted here: a file staged by a live writer looks the same until that
   * writer commits it, so removing them is a maintenance decision taken while no writer is live.
   *
   * @return object keys relative to the storage root, sorted
   */
  public List<String> unreferencedDataFiles(String table) {
    lance.checkOpen();
    Set<String> referenced = new HashSet<>();
    try (Dataset head = lance.openLatest(table)) {
      for (org.lance.Version version : head.listVersions()) {
        try (Dataset at = head.checkoutVersion(version.getId())) {
          referenced.addAll(dataFilesOf(at));
        } catch (Exception e) {
          if (!LanceErrors.isNotFound(e)) {
            throw LanceErrors.onRead(table, "list files of version " + version.getId(), e);
          }
          // A cleaned-up version references nothing any more.
        }
      }
    } catch (IngraftException e) {
      throw e;
    } catch (Exception e) {
      throw LanceErrors.onRead(table, "list versions", e);
    }
    String dataPrefix = table + "/data/";
    List<String> orphans = new ArrayList<>();
    for (String key : lance.store().list(dataPrefix)) {
      if (!referenced.contains(key.substring(dataPrefix.length()))) {
        orphans.add(key);
      }
    }
    return orphans;
  }

  /**
   * The data files of {@code table} that no version references and that were last modified at or
   * before {@code cutoff}: the part of {@link #unreferencedDataFiles} old enough to remove, found
   * without opening every version. The files HEAD references are set aside first; the rest are
   * stat'ed and the younger ones dropped unread; only while old ones remain are the versions below
   * HEAD opened, newest first, each taking out the files it references. A file HEAD no longer
   * references is usually one a recent compaction replaced, so the walk stops after a few versions,
   * and a table without old unreferenced files costs one listing, one open and a stat per file HEAD
   * does not reference, whatever the length of its history (docs/storage.md, "Housekeeping").
   *
   * @return the files with their size and time, sorted by key
   */
  public List<ObjectInfo> unreferencedDataFilesOlderThan(String table, Instant cutoff) {
    lance.checkOpen();
    String dataPrefix = table + "/data/";
    try (Dataset head = lance.openLatest(table)) {
      Set<String> unreferenced = new HashSet<>();
      for (String key : lance.store().list(dataPrefix)) {
        unreferenced.add(key.substring(dataPrefix.length()));
      }
      unreferenced.removeAll(dataFilesOf(head));
      Map<String, ObjectInfo> old = new TreeMap<>();
      for (String file : unreferenced) {
        lance
            .store()
            .stat(dataPrefix + file)
            .filter(info -> !info.lastModified().isAfter(cutoff))
            .ifPresent(info -> old.put(file, info));
      }
      if (!old.isEmpty()) {
        List<Long> below = new ArrayList<>();
        for (org.lance.Version version : head.listVersions()) {
          if (version.getId() < head.version()) {
            below.add(version.getId());
          }
        }
        below.sort(Comparator.reverseOrder());
        for (int i = 0; i < below.size() && !old.isEmpty(); i++) {
          try (Dataset at = head.checkoutVersion(below.get(i))) {
            old.keySet().removeAll(dataFilesOf(at));
          } catch (Exception e) {
            if (!LanceErrors.isNotFound(e)) {
              throw e;
            }
            // A version cleaned up since the listing references nothing any more.
          }
        }
      }
      return new ArrayList<>(old.values());
    } catch (IngraftException e) {
      throw e;
    } catch (Exception e) {
      throw LanceErrors.onRead(table, "list unreferenced data files", e);
    }
  }

  /** The data file names (relative to the table's {@code data/} folder) {@code at} references. */
  private static Set<String> dataFilesOf(Dataset at) {
    Set<String> files = new HashSet<>();
    for (Fragment fragment : at.getFragments()) {
      for (org.lance.fragment.DataFile file : fragment.metadata().getFiles()) {
        files.add(file.getPath());
      }
    }
    return files;
  }

  /**
   * Fragment count, live and deleted rows of a version, and how many of its fragments hold fewer
   * than {@code smallFragmentRows} live rows (from its manifest; no data is read).
   */
  public TableStats stats(String table, long version, long smallFragmentRows) {
    lance.checkOpen();
    try (LanceTables.Lease lease = lance.leaseAt(table, version)) {
      Dataset ds = lease.dataset();
      int fragments = 0;
      int small = 0;
      long rows = 0;
      long deleted = 0;
      for (Fragment fragment : ds.getFragments()) {
        FragmentMetadata meta = fragment.metadata();
        fragments++;
        rows += meta.getNumRows();
        deleted += meta.getNumDeletions();
        if (meta.getNumRows() < smallFragmentRows) {
          small++;
        }
      }
      return new TableStats(fragments, rows, deleted, small);
    } catch (Exception e) {
      throw LanceErrors.onRead(table, "read fragment stats", e);
    }
  }

  /**
   * Scans the table at the pinned {@code version} and hands each batch to {@code batchConsumer}.
   * The batch is valid only during the call: copy what you need ({@link ArrowRows#toMaps}) and do
   * not close it. Everything the scan allocated is released before this method returns.
   *
   * @throws InvalidScanException for an unknown column or an invalid filter
   */
  public void scan(
      String table, long version, ScanSpec spec, Consumer<VectorSchemaRoot> batchConsumer) {
    lance.checkOpen();
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(batchConsumer, "batchConsumer");
    try (Dataset ds = lance.openAt(table, version)) {
      lance.scan(table, ds, spec, batchConsumer);
    }
  }

  /**
   * Builds the {@link KeyIndex} of {@code keyColumn} at {@code version}: one scan of its {@code
   * key,_rowaddr} projection.
   *
   * @throws InvalidStagedWriteException if the column is missing or not Utf8, Int32 or Int64
   */
  public KeyIndex keyIndex(String table, long version, String keyColumn) {
    lance.checkOpen();
    try (LanceTables.Lease lease = lance.leaseAt(table, version)) {
      Dataset ds = lease.dataset();
      KeySet.KeyType type =
          KeySet.keyType(table, TableSchemas.keyField(table, ds.getSchema(), keyColumn));
      KeyIndex index =
          new KeyIndex(table, keyColumn, type, version, (int) Math.min(ds.countRows(), 1 << 29));
      index.highestFragmentId(highestFragmentId(ds.getFragments()));
      lance.scan(
          table,
          ds,
          new ScanSpec(null, List.of(keyColumn), KEY_SCAN_BATCH, true),
          batch -> {
            FieldVector keys = batch.getVector(keyColumn);
            BaseIntVector addresses = (BaseIntVector) batch.getVector(ScanSpec.ROW_ADDRESS);
            for (int i = 0; i < batch.getRowCount(); i++) {
              index.putFrom(keys, i, addresses.getValueAsLong(i));
            }
          });
      LOG.debug("built {}", index);
      return index;
    }
  }

  /**
   * Moves {@code index} from the read version of {@code staged} to {@code committedVersion}, the
   * version that committed it, without scanning: the rows of {@code removedKeys} go, and the rows
   * of {@code writtenKeys} (the keys of the staged rows, in the order they were staged) get the
   * addresses of the new fragments, which Lance numbers after every existing one; a compaction
   * moves the rows of the fragments it replaced. Only the fragment list of the committed version is
   * read. Whatever does not add up (another version, a write of another kind, fragments that do not
   * hold exactly the staged rows) {@linkplain KeyIndex#invalidate invalidates} the index instead,
   * so that it is rebuilt.
   *
   * @return whether the index now describes {@code committedVersion}
   */
  public boolean advanceKeyIndex(
      KeyIndex index,
      StagedWrite staged,
      long committedVersion,
      Collection<?> removedKeys,
      List<?> writtenKeys) {
    if (!index.isAt(staged.table(), staged.readVersion())
        || committedVersion != staged.readVersion() + 1
        || staged.kind() == StagedWrite.Kind.CREATE
        || staged.kind() == StagedWrite.Kind.OVERWRITE) {
      index.invalidate();
      return false;
    }
    int count = staged.newFragments().size();
    int[] ids = new int[count];
    long[] rows = new long[count];
    if (count > 0) {
      lance.checkOpen();
      // The handle the commit returned (kept), so the table is not opened again.
      try (LanceTables.Lease lease = lance.leaseAt(staged.table(), committedVersion)) {
        Dataset ds = lease.dataset();
        if (!addedById(ds, index.highestFragmentId(), staged, ids, rows)) {
          List<Fragment> fragments = ds.getFragments();
          if (fragments.size() < count) {
            index.invalidate();
            return false;
          }
          List<Fragment> added = fragments.subList(fragments.size() - count, fragments.size());
          for (int i = 0; i < count; i++) {
            FragmentMetadata meta = added.get(i).metadata();
            ids[i] = meta.getId();
            rows[i] = meta.getPhysicalRows();
            if (rows[i] != staged.newFragments().get(i).getPhysicalRows()
                || (i > 0 && ids[i] <= ids[i - 1])) {
              index.invalidate();
              return false;
            }
          }
        }
      } catch (IngraftException e) {
        index.invalidate();
        throw e;
      }
    }
    boolean advanced =
        staged.kind() == StagedWrite.Kind.COMPACT
            ? index.remap(committedVersion, staged.removedFragmentIds(), ids, rows)
            : index.advance(committedVersion, removedKeys, writtenKeys, ids, rows);
    if (advanced && count > 0) {
      index.highestFragmentId(Math.max(index.highestFragmentId(), ids[count - 1]));
    }
    if (!advanced) {
      LOG.warn(
          "key index of {} did not add up over {} at version {}; it is rebuilt on next use",
          staged.table(),
          staged.kind(),
          committedVersion);
    }
    return advanced;
  }

  /**
   * Looks up the fragments a write added by id: Lance numbers them after the highest fragment id of
   * the read version, in the order they were staged. False (the caller then lists every fragment)
   * when that id is unknown or what is found is not exactly the staged fragments.
   */
  private static boolean addedById(
      Dataset ds, int highestBefore, StagedWrite staged, int[] ids, long[] rows) {
    if (highestBefore < 0) {
      return false;
    }
    for (int i = 0; i < ids.length; i++) {
      Fragment fragment;
      try {
        fragment = ds.getFragment(highestBefore + 1 + i);
      } catch (RuntimeException e) {
        return false; // no fragment with that id
      }
      if (fragment == null) {
        return false;
      }
      FragmentMetadata meta = fragment.metadata();
      ids[i] = meta.getId();
      rows[i] = meta.getPhysicalRows();
      if (ids[i] != highestBefore + 1 + i
          || rows[i] != staged.newFragments().get(i).getPhysicalRows()) {
        return false;
      }
    }
    // Nothing numbered after them: they are the newest fragments, as the listing would find.
    try {
      return ds.getFragment(highestBefore + 1 + ids.length) == null;
    } catch (RuntimeException e) {
      return true;
    }
  }

  private static int highestFragmentId(List<Fragment> fragments) {
    int highest = -1;
    for (Fragment fragment : fragments) {
      highest = Math.max(highest, fragment.getId());
    }
    return highest;
  }

  /**
   * The rows of {@code version} in which any column of {@code valuesByColumn} holds one of its
   * values, with the {@code columns} given only: one scan of those columns, matched in memory
   * against the values' bytes ({@link KeySet}, as keys are), each row once. For many values this
   * replaces filters with IN lists, which Lance plans slowly when long and which, cut into chunks,
   * scan the table once per chunk and column. Nulls never match.
   *
   * @param valuesByColumn per matched column, its values: Strings for a Utf8 column, integral
   *     numbers for an Int32 or Int64 one (the key column types)
   * @param columns the columns to read, including every column of {@code valuesByColumn}
   * @throws InvalidStagedWriteException if a matched column is not of a key column type, or a value
   *     does not fit its column
   */
  public List<Map<String, Object>> readRowsWhereIn(
      String table,
      long version,
      Map<String, ? extends Collection<?>> valuesByColumn,
      List<String> columns) {
    lance.checkOpen();
    if (!columns.containsAll(valuesByColumn.keySet())) {
      throw new IllegalArgumentException(
          "the columns read " + columns + " must include the matched " + valuesByColumn.keySet());
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    if (valuesByColumn.values().stream().allMatch(Collection::isEmpty)) {
      return rows;
    }
    try (LanceTables.Lease lease = lance.leaseAt(table, version)) {
      Schema schema = lease.dataset().getSchema();
      Map<String, KeySet> sets = new LinkedHashMap<>();
      valuesByColumn.forEach(
          (column, values) -> {
            if (!values.isEmpty()) {
              KeySet set = KeySet.forColumn(table, TableSchemas.keyField(table, schema, column));
              set.addAll(values);
              sets.put(column, set);
            }
          });
      lance.scan(
          table,
          lease.dataset(),
          new ScanSpec(null, columns, KEY_SCAN_BATCH, false),
          batch -> {
            for (int i = 0; i < batch.getRowCount(); i++) {
              for (Map.Entry<String, KeySet> set : sets.entrySet()) {
                if (set.getValue().contains(batch.getVector(set.getKey()), i)) {
                  rows.add(ArrowRows.rowAt(batch, i));
                  break;
                }
              }
            }
          });
    }
    return rows;
  }

  /**
   * The rows at {@code addresses} (row addresses of exactly {@code version}, e.g. from its {@link
   * KeyIndex}), every column, as plain Java values: a take by address, no scan.
   */
  public List<Map<String, Object>> readRowsAt(String table, long version, List<Long> addresses) {
    lance.checkOpen();
    List<Map<String, Object>> rows = new ArrayList<>(addresses.size());
    if (addresses.isEmpty()) {
      return rows;
    }
    try (LanceTables.Lease lease = lance.leaseAt(table, version)) {
      Dataset ds = lease.dataset();
      List<String> columns = ds.getSchema().getFields().stream().map(Field::getName).toList();
      try (ArrowReader reader = ds.takeRows(addresses, columns)) {
        while (reader.loadNextBatch()) {
          rows.addAll(ArrowRows.toMaps(reader.getVectorSchemaRoot()));
        }
      }
    } catch (IngraftException e) {
      throw e;
    } catch (Exception e) {
      throw LanceErrors.onRead(table, "take rows by address", e);
    }
    return rows;
  }

  /** The rows the scan selects, as plain Java values ({@link ArrowRows}). */
  public List<Map<String, Object>> readRows(String table, long version, ScanSpec spec) {
    List<Map<String, Object>> rows = new ArrayList<>();
    scan(table, version, spec, batch -> rows.addAll(ArrowRows.toMaps(batch)));
    return rows;
  }

  /**
   * The first version after {@code afterVersion} (up to HEAD) whose transaction carries {@code
   * transactionId}, or empty if there is none.
   *
   * <p>A version whose transaction cannot be decoded (a known Lance 7.0.0 bug on compaction {@code
   * Rewrite} versions of indexed tables) or whose manifest was cleaned up is skipped with a debug
   * log. I/O faults are not skipped: they surface as {@link io.ingraft.storage.StorageIoException},
   * because "not found" would be a wrong answer.
   */
  public OptionalLong findVersionByTransaction(
      String table, long afterVersion, UUID transactionId) {
    lance.checkOpen();
    Objects.requireNonNull(transactionId, "transactionId");
    try (Dataset head = lance.openLatest(table)) {
      long headVersion = head.version();
      for (long v = Math.max(afterVersion, 0) + 1; v <= headVersion; v++) {
        Dataset at;
        try {
          at = head.checkoutVersion(v);
        } catch (Exception e) {
          if (LanceErrors.isNotFound(e)) {
            LOG.debug(
                "table {}: version {} skipped in the transaction walk, its manifest is gone",
                table,
                v);
            continue;
          }
          throw LanceErrors.onRead(table, "check out version " + v, e);
        }
        try (at) {
          Optional<TableTransaction> t = transactionOf(table, at, v);
          if (t.isPresent() && t.get().hasUuid(transactionId)) {
            return OptionalLong.of(v);
          }
        }
      }
      return OptionalLong.empty();
    }
  }

  /**
   * The transaction that produced {@code version}, or empty if the version records none or its
   * transaction cannot be decoded (known Lance 7.0.0 bug, see {@link #findVersionByTransaction}).
   */
  public Optional<TableTransaction> transactionAt(String table, long version) {
    lance.checkOpen();
    try (Dataset at = lance.openAt(table, version)) {
      return transactionOf(table, at, version);
    }
  }

  private static Optional<TableTransaction> transactionOf(String table, Dataset at, long version) {
    Optional<Transaction> read;
    try {
      read = at.readTransaction();
    } catch (Exception e) {
      if (LanceErrors.isIo(e)) {
        throw LanceErrors.onRead(table, "read transaction of version " + version, e);
      }
      LOG.debug(
          "table {}: version {} skipped, its transaction cannot be read (known Lance 7.0.0 "
              + "bug on compaction Rewrite versions): {}",
          table,
          version,
          e.toString());
      return Optional.empty();
    }
    if (read.isEmpty()) {
      return Optional.empty();
    }
    try (Transaction t = read.get()) {
      return Optional.of(
          new TableTransaction(
              version,
              t.uuid(),
              t.readVersion(),
              t.operation() == null ? "unknown" : t.operation().name(),
              t.transactionProperties().orElse(Map.of())));
    }
  }
}
