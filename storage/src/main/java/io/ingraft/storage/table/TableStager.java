package io.ingraft.storage.table;

import io.ingraft.IngraftException;
import io.ingraft.storage.StorageIoException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.lance.Dataset;
import org.lance.Fragment;
import org.lance.FragmentMetadata;
import org.lance.ipc.LanceScanner;
import org.lance.ipc.ScanOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first step of a write to a {@link TableStore}: against a pinned read version R it writes the
 * data files and deletion files of an append, a delete or upsert by key, a merge of both, a table
 * creation, a schema-evolving rewrite or a compaction, commits nothing, leaves HEAD and every
 * reader unaffected, and returns an immutable {@link StagedWrite} for {@link TableCommitter#commit}
 * to make version R + 1 of. Every batch is brought into the table's exact column order first
 * ({@link TableBatches}), rows to delete are looked up in the caller's {@link KeyIndex} of R or,
 * without one, found by a semi-join over a {@code key,_rowaddr} projection of R, with one {@code
 * deleteRows} call per touched fragment, and read version 0 (which aborts the JVM inside Lance for
 * Update/Delete) is refused up front. On local disk every file Lance writes is read back before the
 * staged write is returned ({@code WrittenFileCheck}; a cut-off file is an {@link
 * IncompleteFileException}). Thread-safe; each call uses a child allocator closed before it
 * returns.
 */
public final class TableStager {

  private static final Logger LOG = LoggerFactory.getLogger(TableStager.class);
  private static final int KEY_SCAN_BATCH = 65_536;
  private static final int REWRITE_BATCH = 8_192;

  private final LanceTables lance;
  final WrittenFileCheck writtenFiles;

  /** Rows per batch a rewrite reads and hands to Lance; package-private so tests can shrink it. */
  volatile int rewriteBatchRows = REWRITE_BATCH;

  TableStager(LanceTables lance) {
    this.lance = lance;
    this.writtenFiles = new WrittenFileCheck(lance.store(), lance.allocator());
  }

  /** The store's long-lived root allocator, for building the Arrow batches to stage. */
  public BufferAllocator allocator() {
    return lance.allocator();
  }

  /**
   * Stages new rows against {@code readVersion}: writes data files, commits nothing. Zero rows give
   * a staged write that still commits one (empty) version, so versions stay {@code readVersion +
   * 1}.
   *
   * @param rows a batch with the table's columns in any order (the caller keeps ownership);
   *     nullable columns may be left out and are written as null
   * @throws InvalidStagedWriteException if the batch has a column the table lacks, lacks a
   *     non-nullable column, has a column of another type or a null in a non-nullable column
   */
  public StagedWrite stageAppend(String table, long readVersion, VectorSchemaRoot rows) {
    lance.checkOpen();
    requireReadVersion(table, readVersion);
    Objects.requireNonNull(rows, "rows");
    try (LanceTables.Lease lease = lance.leaseAt(table, readVersion);
        TableBatches.Conformed batch = conform(table, lease.dataset(), rows)) {
      Dataset ds = lease.dataset();
      List<FragmentMetadata> fragments = writeFragments(table, ds, batch);
      StagedWrite staged =
          new StagedWrite(
              table,
              readVersion,
              StagedWrite.Kind.APPEND,
              fragments,
              List.of(),
              List.of(),
              batch.rowCount(),
              0);
      LOG.debug(
          "staged append to {} at {}: {} rows in {} fragments",
          table,
          readVersion,
          batch.rowCount(),
          fragments.size());
      return staged;
    }
  }

  /**
   * Stages the deletion of every row whose {@code keyColumn} value is in {@code keys}, as of {@code
   * readVersion}: writes deletion files, commits nothing (a Lance {@code Delete}). Keys that match
   * no row are ignored; an empty result still commits one (empty) version.
   *
   * @param keys Strings for a Utf8 key column, Integer/Long for Int32/Int64 key columns
   */
  public StagedWrite stageDelete(
      String table, long readVersion, String keyColumn, Collection<?> keys) {
    Objects.requireNonNull(keys, "keys");
    return stageKeyed(table, readVersion, keyColumn, null, keys, null, StagedWrite.Kind.DELETE);
  }

  /**
   * Stages an upsert against {@code readVersion}: the rows whose key appears in {@code rows} are
   * deleted (deletion files) and {@code rows} are added (data files), to be committed as one Lance
   * {@code Update}. Commits nothing. Same as {@link #stageMerge} without deletes.
   *
   * @param rows a batch with the table's columns (nullable ones may be left out and are written as
   *     null) and unique, non-null keys; the caller dedupes (last wins) before staging. The caller
   *     keeps ownership.
   * @throws InvalidStagedWriteException on a duplicate or null key in {@code rows}
   */
  public StagedWrite stageUpsert(
      String table, long readVersion, String keyColumn, VectorSchemaRoot rows) {
    Objects.requireNonNull(rows, "rows");
    return stageKeyed(table, readVersion, keyColumn, rows, null, null, StagedWrite.Kind.UPSERT);
  }

  /**
   * Stages upserts and deletes by key of one batch as ONE Lance {@code Update} against {@code
   * readVersion}: every row of the read version whose key is among the keys of {@code upserts} or
   * in {@code deleteKeys} gets deleted (deletion files), and {@code upserts} are added (data
   * files). Commits nothing; the result is of kind {@link StagedWrite.Kind#UPSERT}.
   *
   * <p>A key both in {@code deleteKeys} and in {@code upserts} ends up with the upserted row (the
   * delete only removes the committed row). Keys that match no committed row are ignored. Nothing
   * to do still commits one (empty) version.
   *
   * @param upserts rows to write, or null/empty; the table's columns (nullable ones may be left out
   *     and are written as null), unique non-null keys (dedupe first, last wins). The caller keeps
   *     ownership.
   * @param deleteKeys keys to delete, or null/empty: Strings for a Utf8 key column, Integer/Long
   *     for Int32/Int64 key columns; duplicates are fine
   * @throws InvalidStagedWriteException on a duplicate or null key in {@code upserts}, a null or
   *     mistyped key in {@code deleteKeys}, an unknown key column or rows that do not fit the table
   */
  public StagedWrite stageMerge(
      String table,
      long readVersion,
      String keyColumn,
      VectorSchemaRoot upserts,
      Collection<?> deleteKeys) {
    return stageKeyed(
        table, readVersion, keyColumn, upserts, deleteKeys, null, StagedWrite.Kind.UPSERT);
  }

  /**
   * As {@link #stageMerge(String, long, String, VectorSchemaRoot, Collection)}, but the rows to
   * delete are looked up in {@code index} (the key → row address index of exactly {@code
   * readVersion}) instead of found by a scan of the key column: the cost follows the batch, not the
   * table. The index is not changed; advance it after the commit ({@link
   * TableReader#advanceKeyIndex}).
   *
   * @throws InvalidStagedWriteException also if {@code index} is not the index of {@code keyColumn}
   *     of this table at {@code readVersion}
   */
  public StagedWrite stageMerge(
      String table,
      long readVersion,
      String keyColumn,
      VectorSchemaRoot upserts,
      Collection<?> deleteKeys,
      KeyIndex index) {
    Objects.requireNonNull(index, "index");
    if (!index.isAt(table, readVersion) || !index.keyColumn().equals(keyColumn)) {
      throw new InvalidStagedWriteException(
          table,
          "the key index describes " + index + ", not " + keyColumn + " at version " + readVersion);
    }
    return stageKeyed(
        table, readVersion, keyColumn, upserts, deleteKeys, index, StagedWrite.Kind.UPSERT);
  }

  /**
   * The one staging path for writes by key ({@link #stageDelete}, {@link #stageUpsert}, {@link
   * #stageMerge}): everything is validated before any file is written, then one deletion file per
   * touched fragment, then the new rows' data files.
   */
  private StagedWrite stageKeyed(
      String table,
      long readVersion,
      String keyColumn,
      VectorSchemaRoot upserts,
      Collection<?> deleteKeys,
      KeyIndex index,
      StagedWrite.Kind kind) {
    lance.checkOpen();
    requireReadVersion(table, readVersion);
    try (LanceTables.Lease lease = lance.leaseAt(table, readVersion)) {
      Dataset ds = lease.dataset();
      Schema schema = ds.getSchema();
      KeySet keySet = KeySet.forColumn(table, TableSchemas.keyField(table, schema, keyColumn));
      TableBatches.Conformed batch = upserts == null ? null : conform(table, ds, upserts);
      try {
        if (batch != null) {
          FieldVector keys = upserts.getVector(keyColumn);
          if (keys == null) {
            throw new InvalidStagedWriteException(
                table, "the rows lack the key column " + keyColumn);
          }
          for (int i = 0; i < upserts.getRowCount(); i++) {
            if (!keySet.addFrom(keys, i)) {
              throw new InvalidStagedWriteException(
                  table,
                  "duplicate key "
                      + KeySet.render(keys, i)
                      + " in the upsert batch (row "
                      + i
                      + "); dedupe the batch (last wins) first");
            }
          }
        }
        if (deleteKeys != null) {
          keySet.addAll(deleteKeys);
        }
        Deletions deletions =
            index == null
                ? deleteRows(table, ds, keyColumn, keySet)
                : deleteRows(table, ds, addressesOf(index, upserts, keyColumn, deleteKeys));
        List<FragmentMetadata> fragments =
            batch == null ? List.of() : writeFragments(table, ds, batch);
        long added = batch == null ? 0 : batch.rowCount();
        StagedWrite staged =
            new StagedWrite(
                table,
                readVersion,
                kind,
                fragments,
                deletions.updated,
                deletions.removed,
                added,
                deletions.rows);
        LOG.debug(
            "staged {} of {} at {}: {} keys matched {} rows ({} fragments updated, {} "
                + "removed), {} rows added",
            kind,
            table,
            readVersion,
            keySet.size(),
            deletions.rows,
            deletions.updated.size(),
            deletions.removed.size(),
            added);
        return staged;
      } finally {
        if (batch != null) {
          batch.close();
        }
      }
    }
  }

  /**
   * Stages the creation of an empty table, to be committed with a pre-minted transaction uuid like
   * any other staged write (so a recovery sidecar can cover it). Writes nothing.
   *
   * <p>If a dataset already exists at the path (an orphan left by a rolled-back operation: no
   * manifest pins it), the read version is its HEAD and the commit replaces it with an empty table
   * of {@code schema} at HEAD + 1. Otherwise the read version is 0 and the commit creates version
   * 1; it then fails with {@link TableMovedException} if a table appeared in the meantime.
   *
   * @param keyColumn as for {@link TableCommitter#create}; null for a keyless table
   * @throws InvalidStagedWriteException if the key column is missing, nullable or of an unsupported
   *     type, or the schema has no or duplicate columns
   */
  public StagedWrite stageCreate(String table, Schema schema, String keyColumn) {
    lance.checkOpen();
    Objects.requireNonNull(schema, "schema");
    TableSchemas.requireDistinctColumns(table, schema);
    Schema annotated =
        keyColumn == null ? schema : TableSchemas.withPrimaryKey(table, schema, keyColumn);
    long readVersion = lance.headOrEmpty(table).orElse(0);
    LOG.debug(
        "staged create of {} at read version {}{}",
        table,
        readVersion,
        readVersion == 0 ? "" : " (replacing an orphan dataset)");
    return new StagedWrite(
        table,
        readVersion,
        StagedWrite.Kind.CREATE,
        List.of(),
        List.of(),
        List.of(),
        0,
        0,
        annotated);
  }

  /**
   * Stages a rewrite of the whole table with {@code newSchema}, for schema evolution that adds
   * nullable columns: every row of {@code readVersion} is read in batches (bounded memory, streamed
   * into Lance) and written to new data files in {@code newSchema}'s shape, columns new to the
   * table being null. Committed as a Lance {@code Overwrite} at {@code readVersion + 1} (kind
   * {@link StagedWrite.Kind#OVERWRITE}); readers of older versions are unaffected. The key column
   * keeps its {@value TableStore#PRIMARY_KEY_METADATA} metadata.
   *
   * @param newSchema every column of the table with the same type and nullability (in any order;
   *     the new order becomes the table's), plus any number of new nullable columns
   * @throws InvalidStagedWriteException naming the column if {@code newSchema} lacks or retypes a
   *     table column, changes its nullability, or adds a non-nullable column or one of a type
   *     {@link ArrowRows} cannot fill with nulls
   */
  public StagedWrite stageRewrite(String table, long readVersion, Schema newSchema) {
    lance.checkOpen();
    requireReadVersion(table, readVersion);
    Objects.requireNonNull(newSchema, "newSchema");
    try (LanceTables.Lease lease = lance.leaseAt(table, readVersion)) {
      Dataset ds = lease.dataset();
      Schema oldSchema = ds.getSchema();
      Schema target = TableSchemas.evolvedSchema(table, oldSchema, newSchema);
      long expected = ds.countRows();
      List<FragmentMetadata> fragments =
          expected == 0 ? List.of() : rewriteRows(table, ds, oldSchema, target);
      long written = 0;
      for (FragmentMetadata f : fragments) {
        written += f.getNumRows();
      }
      if (written != expected) {
        throw new StorageIoException(
            table,
            "rewrite",
            new IllegalStateException(
                "wrote "
                    + written
                    + " rows for the "
                    + expected
                    + " rows of version "
                    + readVersion));
      }
      StagedWrite staged =
          new StagedWrite(
              table,
              readVersion,
              StagedWrite.Kind.OVERWRITE,
              fragments,
              List.of(),
              List.of(),
              written,
              expected,
              target);
      LOG.debug(
          "staged rewrite of {} at {}: {} rows in {} fragments, columns {}",
          table,
          readVersion,
          written,
          fragments.size(),
          target.getFields().stream().map(Field::getName).toList());
      return staged;
    }
  }

  /**
   * The fragments a compaction rewrites: every fragment whose deleted share exceeds {@code
   * maxDeletedShare}, and the small ones (fewer than {@code smallFragmentRows} rows) by size tier:
   * smallest first, the two smallest always, then each next one only while it holds no more rows
   * than those taken before it together. A fragment that an earlier compaction made stays until the
   * small fragments added since reach its size, so a row is rewritten about once per doubling of
   * its fragment, not by every compaction until its fragment is no longer small (a table of 100k
   * rows appended in batches of 700 rewrote all of them every 65 batches).
   */
  static Set<Integer> chooseForCompaction(
      List<FragmentMetadata> fragments, long smallFragmentRows, double maxDeletedShare) {
    Set<Integer> chosen = new HashSet<>();
    long taken = 0;
    List<FragmentMetadata> small = new ArrayList<>();
    for (FragmentMetadata meta : fragments) {
      long rows = meta.getNumRows();
      long deleted = meta.getNumDeletions();
      if (deleted > 0 && (double) deleted / (rows + deleted) > maxDeletedShare) {
        chosen.add(meta.getId());
        taken += rows;
      } else if (rows < smallFragmentRows) {
        small.add(meta);
      }
    }
    small.sort(Comparator.comparingLong(FragmentMetadata::getNumRows));
    for (int i = 0; i < small.size(); i++) {
      long rows = small.get(i).getNumRows();
      if (i >= 2 && rows > taken) {
        break;
      }
      chosen.add(small.get(i).getId());
      taken += rows;
    }
    return chosen;
  }

  /**
   * Stages a compaction of version {@code readVersion}: the live rows of the fragments {@link
   * #chooseForCompaction} picks (small ones by size tier, and those whose deleted share exceeds
   * {@code maxDeletedShare}) are written to new fragments, which replace them in one Lance {@code
   * Update} at {@code readVersion + 1}, like any other staged write (Lance's own compaction commits
   * two versions, which the pin + 1 rule of the commit protocol forbids). Large fragments without
   * many deletions are left alone, so the cost of a compaction is bounded by the small fragments,
   * not the table. The rows, their keys and the table's row count are unchanged; rows move, so row
   * addresses change.
   *
   * @return the staged compaction, or empty when it would change nothing worth a version (at most
   *     one small fragment and no fragment past the deleted share)
   */
  public Optional<StagedWrite> stageCompaction(
      String table, long readVersion, long smallFragmentRows, double maxDeletedShare) {
    lance.checkOpen();
    requireReadVersion(table, readVersion);
    try (LanceTables.Lease lease = lance.leaseAt(table, readVersion)) {
      Dataset ds = lease.dataset();
      List<FragmentMetadata> all = new ArrayList<>();
      for (Fragment fragment : ds.getFragments()) {
        all.add(fragment.metadata());
      }
      Set<Integer> chosen = chooseForCompaction(all, smallFragmentRows, maxDeletedShare);
      List<Integer> ids = new ArrayList<>();
      List<Long> removed = new ArrayList<>();
      long live = 0;
      boolean deletions = false;
      for (FragmentMetadata meta : all) {
        if (chosen.contains(meta.getId())) {
          ids.add(meta.getId());
          removed.add((long) meta.getId());
          // Lance's fragment row count leaves out the rows its deletion file deletes.
          live += meta.getNumRows();
          deletions |= meta.getNumDeletions() > 0;
        }
      }
      if (ids.size() < 2 && !deletions) {
        return Optional.empty();
      }
      Schema schema = ds.getSchema();
      List<FragmentMetadata> fragments =
          live == 0 ? List.of() : writeRowsOf(table, ds, schema, ids);
      long written = 0;
      for (FragmentMetadata f : fragments) {
        written += f.getNumRows();
      }
      if (written != live) {
        throw new StorageIoException(
            table,
            "compaction",
            new IllegalStateException(
                "wrote "
                    + written
                    + " rows for the "
                    + live
                    + " live rows of fragments "
                    + ids
                    + " of version "
                    + readVersion));
      }
      LOG.debug(
          "staged compaction of {} at {}: fragments {} ({} live rows) into {}",
          table,
          readVersion,
          ids,
          live,
          fragments.size());
      return Optional.of(
          new StagedWrite(
              table,
              readVersion,
              StagedWrite.Kind.COMPACT,
              fragments,
              List.of(),
              removed,
              written,
              live));
    } catch (IngraftException e) {
      throw e;
    } catch (Exception e) {
      throw LanceErrors.onStage(table, "compaction", e);
    }
  }

  /**
   * Moves a staged compaction from the version it was staged at to a later {@code readVersion} of
   * the same table, so that it commits at {@code readVersion + 1}: possible when every fragment it
   * replaces is still there, unchanged (the same data files, the same deletion file), as when only
   * appends came in between. The rows it wrote are then still exactly the live rows of those
   * fragments, in the same order. Compactions are staged off the graph's write path and committed
   * by it later (docs/semantics.md, "Maintenance").
   *
   * @return the compaction at {@code readVersion}, or empty when one of its fragments is gone or
   *     changed (a delete or upsert touched it, or the table was rewritten): it must be staged
   *     again
   */
  public Optional<StagedWrite> rebaseCompaction(StagedWrite staged, long readVersion) {
    if (staged.kind() != StagedWrite.Kind.COMPACT) {
      throw new IllegalArgumentException("only a compaction can be rebased, not " + staged.kind());
    }
    if (readVersion < staged.readVersion()) {
      throw new IllegalArgumentException(
          "cannot rebase "
              + staged.table()
              + " from version "
              + staged.readVersion()
              + " back to "
              + readVersion);
    }
    if (readVersion == staged.readVersion()) {
      return Optional.of(staged);
    }
    lance.checkOpen();
    String table = staged.table();
    requireReadVersion(table, readVersion);
    try (LanceTables.Lease then = lance.leaseAt(table, staged.readVersion());
        LanceTables.Lease now = lance.leaseAt(table, readVersion)) {
      Map<Integer, FragmentMetadata> before = fragmentsById(then.dataset());
      Map<Integer, FragmentMetadata> after = fragmentsById(now.dataset());
      for (long id : staged.removedFragmentIds()) {
        FragmentMetadata was = before.get((int) id);
        FragmentMetadata is = after.get((int) id);
        if (was == null
            || is == null
            || was.getPhysicalRows() != is.getPhysicalRows()
            || !was.getFiles().equals(is.getFiles())
            || !Objects.equals(was.getDeletionFile(), is.getDeletionFile())) {
          LOG.debug(
              "compaction of {} staged at {} cannot move to {}: fragment {} changed",
              table,
              staged.readVersion(),
              readVersion,
              id);
          return Optional.empty();
        }
      }
    } catch (IngraftException e) {
      throw e;
    } catch (Exception e) {
      throw LanceErrors.onStage(table, "compaction rebase", e);
    }
    return Optional.of(
        new StagedWrite(
            table,
            readVersion,
            StagedWrite.Kind.COMPACT,
            staged.newFragments(),
            staged.updatedFragments(),
            staged.removedFragmentIds(),
            staged.rowsAdded(),
            staged.rowsDeleted()));
  }

  private static Map<Integer, FragmentMetadata> fragmentsById(Dataset ds) {
    Map<Integer, FragmentMetadata> byId = new HashMap<>();
    for (Fragment fragment : ds.getFragments()) {
      FragmentMetadata meta = fragment.metadata();
      byId.put(meta.getId(), meta);
    }
    return byId;
  }

  /**
   * Streams every row of {@code ds} into new data files of {@code target}'s shape: Lance pulls
   * batches from a scan of {@code ds} through a {@link TableBatches.ConformingReader}.
   */
  private List<FragmentMetadata> rewriteRows(
      String table, Dataset ds, Schema oldSchema, Schema target) {
    return writeRows(
        table,
        ds,
        oldSchema,
        target,
        new ScanOptions.Builder().batchSize(rewriteBatchRows).build());
  }

  /** The live rows of fragments {@code ids} of {@code ds}, written to new fragments. */
  private List<FragmentMetadata> writeRowsOf(
      String table, Dataset ds, Schema schema, List<Integer> ids) {
    return writeRows(
        table,
        ds,
        schema,
        schema,
        new ScanOptions.Builder().batchSize(rewriteBatchRows).fragmentIds(ids).build());
  }

  /** The rows {@code options} scans from {@code ds}, in {@code target}'s shape, as fragments. */
  private List<FragmentMetadata> writeRows(
      String table, Dataset ds, Schema oldSchema, Schema target, ScanOptions options) {
    TableBatches.ConformingReader reader = null;
    // Close order: stream, reader (and with it the scan's reader), scanner, child allocator.
    try (BufferAllocator child =
            lance.allocator().newChildAllocator("rewrite " + table, 0, Long.MAX_VALUE);
        LanceScanner scanner = LanceScanner.create(ds, options, child)) {
      reader =
          new TableBatches.ConformingReader(table, child, scanner.scanBatches(), oldSchema, target);
      try (TableBatches.ConformingReader owned = reader;
          ArrowArrayStream stream = ArrowArrayStream.allocateNew(child)) {
        Data.exportArrayStream(child, owned, stream);
        List<FragmentMetadata> fragments =
            Fragment.write()
                .datasetUri(lance.uri(table))
                .allocator(child)
                .data(stream)
                .dataStorageVersion(fileFormatOf(ds))
                .storageOptions(lance.storageOptions())
                .execute();
        writtenFiles.dataFiles(table, fragments);
        return fragments;
      }
    } catch (Exception e) {
      if (reader != null && reader.failure() != null) {
        throw reader.failure();
      }
      throw LanceErrors.onStage(table, "rewrite rows", e);
    }
  }

  /**
   * The file format new data files of {@code ds} must use: {@code Fragment.write} does not take it
   * from the dataset (it writes Lance's default, and the commit then fails on a table of another
   * format).
   */
  private static String fileFormatOf(Dataset ds) {
    return ds.getLanceFileFormatVersion();
  }

  private static void requireReadVersion(String table, long readVersion) {
    // Lance aborts the JVM on an Update/Delete with read version 0 (lance-upsert.md §2).
    if (readVersion < 1) {
      throw new InvalidStagedWriteException(table, "read version must be >= 1, was " + readVersion);
    }
  }

  /**
   * {@code rows} in the exact shape of {@code ds}'s data files (see {@link TableBatches}): the
   * table's columns in the table's order, missing nullable columns null.
   */
  private TableBatches.Conformed conform(String table, Dataset ds, VectorSchemaRoot rows) {
    TableBatches.requireSequentialFieldIds(table, ds.getLanceSchema());
    return TableBatches.conform(table, ds.getSchema(), rows, lance.allocator());
  }

  /** Deletion files for one staged write: each fragment once, updated XOR removed. */
  private record Deletions(List<FragmentMetadata> updated, List<Long> removed, long rows) {
    static final Deletions NONE = new Deletions(List.of(), List.of(), 0);
  }

  /**
   * Finds the rows of {@code ds} (pinned at the read version) whose key is in {@code keys} and
   * writes one deletion file per touched fragment. The same handle is used for the find and the
   * deletes, so the deletion vectors extend the read version's (lance-upsert.md §1).
   */
  private Deletions deleteRows(String table, Dataset ds, String keyColumn, KeySet keys) {
    if (keys.isEmpty()) {
      return Deletions.NONE;
    }
    // Java semi-join over a key,_rowaddr projection: no huge SQL IN lists (lance-upsert.md §3).
    TreeMap<Integer, List<Integer>> offsetsByFragment = new TreeMap<>();
    long[] matched = {0};
    ScanSpec spec = new ScanSpec(null, List.of(keyColumn), KEY_SCAN_BATCH, true);
    lance.scan(
        table,
        ds,
        spec,
        batch -> {
          FieldVector keyVector = batch.getVector(keyColumn);
          BaseIntVector addresses = (BaseIntVector) batch.getVector(ScanSpec.ROW_ADDRESS);
          for (int i = 0; i < batch.getRowCount(); i++) {
            if (keys.contains(keyVector, i)) {
              long address = addresses.getValueAsLong(i);
              offsetsByFragment
                  .computeIfAbsent((int) (address >>> 32), id -> new ArrayList<>())
                  .add((int) (address & 0xFFFF_FFFFL));
              matched[0]++;
            }
          }
        });
    return deleteRows(table, ds, offsetsByFragment, matched[0]);
  }

  /**
   * The addresses, grouped by fragment, of the rows of the index's version whose key is among the
   * keys of {@code upserts} or in {@code deleteKeys} (each row once).
   */
  private static TreeMap<Integer, List<Integer>> addressesOf(
      KeyIndex index, VectorSchemaRoot upserts, String keyColumn, Collection<?> deleteKeys) {
    List<Long> found = new ArrayList<>();
    if (upserts != null) {
      FieldVector keys = upserts.getVector(keyColumn);
      for (int i = 0; i < upserts.getRowCount(); i++) {
        long address = index.addressOf(keys, i);
        if (address >= 0) {
          found.add(address);
        }
      }
    }
    if (deleteKeys != null) {
      for (Object key : deleteKeys) {
        long address = index.addressOf(key);
        if (address >= 0) {
          found.add(address);
        }
      }
    }
    long[] sorted = new long[found.size()];
    for (int i = 0; i < sorted.length; i++) {
      sorted[i] = found.get(i);
    }
    java.util.Arrays.sort(sorted);
    TreeMap<Integer, List<Integer>> offsetsByFragment = new TreeMap<>();
    for (int i = 0; i < sorted.length; i++) {
      if (i > 0 && sorted[i] == sorted[i - 1]) {
        continue; // A key both upserted and deleted names its row twice.
      }
      offsetsByFragment
          .computeIfAbsent((int) (sorted[i] >>> 32), id -> new ArrayList<>())
          .add((int) (sorted[i] & 0xFFFF_FFFFL));
    }
    return offsetsByFragment;
  }

  private Deletions deleteRows(
      String table, Dataset ds, TreeMap<Integer, List<Integer>> offsetsByFragment) {
    long rows = 0;
    for (List<Integer> offsets : offsetsByFragment.values()) {
      rows += offsets.size();
    }
    return deleteRows(table, ds, offsetsByFragment, rows);
  }

  /** One deletion file per fragment of {@code offsetsByFragment}, with all its offsets. */
  private Deletions deleteRows(
      String table, Dataset ds, TreeMap<Integer, List<Integer>> offsetsByFragment, long matched) {
    if (offsetsByFragment.isEmpty()) {
      return Deletions.NONE;
    }
    List<FragmentMetadata> updated = new ArrayList<>();
    List<Long> removed = new ArrayList<>();
    for (Map.Entry<Integer, List<Integer>> entry : offsetsByFragment.entrySet()) {
      int fragmentId = entry.getKey();
      FragmentMetadata result;
      try {
        // Exactly one call per fragment with ALL its offsets, and only offsets that came from
        // _rowaddr of this very handle (lance-upsert.md §2).
        result = ds.getFragment(fragmentId).deleteRows(entry.getValue());
      } catch (Exception e) {
        throw LanceErrors.onStage(table, "delete rows of fragment " + fragmentId, e);
      }
      if (result == null) {
        removed.add((long) fragmentId);
      } else {
        writtenFiles.deletionFile(table, result);
        updated.add(result);
      }
    }
    return new Deletions(updated, removed, matched);
  }

  private List<FragmentMetadata> writeFragments(
      String table, Dataset ds, TableBatches.Conformed rows) {
    if (rows.rowCount() == 0) {
      return List.of();
    }
    List<FragmentMetadata> fragments;
    try (BufferAllocator child =
        lance.allocator().newChildAllocator("stage " + table, 0, Long.MAX_VALUE)) {
      fragments =
          Fragment.write()
              .datasetUri(lance.uri(table))
              .allocator(child)
              .data(rows.root())
              .dataStorageVersion(fileFormatOf(ds))
              .storageOptions(lance.storageOptions())
              .execute();
    } catch (Exception e) {
      throw LanceErrors.onStage(table, "write fragments", e);
    }
    writtenFiles.dataFiles(table, fragments);
    return fragments;
  }
}
