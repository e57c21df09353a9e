package io.ingraft.storage.table;

import io.ingraft.IngraftException;
import io.ingraft.storage.StorageIoException;
import io.ingraft.storage.object.ObjectStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.lance.CommitBuilder;
import org.lance.Dataset;
import org.lance.Fragment;
import org.lance.FragmentMetadata;
import org.lance.ReadOptions;
import org.lance.Transaction;
import org.lance.WriteParams;
import org.lance.ipc.LanceScanner;
import org.lance.ipc.ScanOptions;
import org.lance.operation.Append;
import org.lance.operation.Delete;
import org.lance.operation.Operation;
import org.lance.operation.Overwrite;
import org.lance.operation.Restore;
import org.lance.operation.Update;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Lance table store: the only code in Ingraft that calls Lance write APIs.
 *
 * <p>Tables are addressed by paths relative to the {@link ObjectStore}'s root, such as {@code
 * graphs/g1/nodes/Person.lance} ({@link io.ingraft.storage.GraphLayout#tablePath}). Reads always
 * name a pinned version; only {@link #headVersion} and the commit path look at HEAD.
 *
 * <p>Writes are two steps, like Iceberg's {@code apply()}/{@code commit()}:
 *
 * <ol>
 *   <li><b>stage</b> ({@link #stageAppend}, {@link #stageDelete}, {@link #stageUpsert}, {@link
 *       #stageMerge}, {@link #stageRewrite}, {@link #stageCreate}) against a pinned read version R:
 *       data files and deletion files are written, nothing is committed, HEAD and every reader are
 *       unaffected, and an immutable {@link StagedWrite} comes back;
 *   <li><b>commit</b> ({@link #commit}) creates exactly version R + 1 from it, with a caller-chosen
 *       transaction uuid and properties that recovery can find again ({@link
 *       #findVersionByTransaction}, {@link #transactionAt}).
 * </ol>
 *
 * A commit whose table moved since R fails with {@link TableMovedException}. Commits are not
 * idempotent in Lance; the HEAD check makes a second commit of the same staged write fail instead
 * of duplicating rows.
 *
 * <p>The recipe and its traps are in docs/storage.md, "Lance 7.0.0 facts": rows to delete are found
 * with a Java semi-join over a {@code key,_rowaddr} projection of the pinned version, each touched
 * fragment gets exactly one {@code deleteRows} call with all its offsets, a fragment whose rows are
 * all deleted is listed as removed and never also as updated, and read version 0 (which aborts the
 * JVM inside Lance for Update/Delete) is rejected up front; only a staged create of a table that
 * does not exist yet starts from 0, and it commits an {@code Overwrite}.
 *
 * <p>Lance's {@code Fragment.write} numbers a batch's fields by position, ignoring the table's
 * schema, so every batch is first brought into the table's exact column order (missing nullable
 * columns filled with nulls) by {@link TableBatches}.
 *
 * <p>Memory: one {@link RootAllocator} lives as long as the store; every scan and staging call uses
 * a child allocator that is closed before the call returns. {@link #allocator()} is there for
 * callers that build batches ({@link ArrowRows#toRoot}).
 *
 * <p>Thread safety: the store keeps no per-table state and may be shared by threads. Concurrent
 * writers to one table are detected (never silently merged) but the design expects one writer per
 * table.
 *
 * <p>Errors: every Lance failure is mapped by {@code LanceErrors} to {@link
 * TableNotFoundException}, {@link TableAlreadyExistsException}, {@link
 * TableVersionNotFoundException}, {@link ConcurrentTableWriteException}, {@link
 * InvalidStagedWriteException}, {@link InvalidScanException} or {@link
 * io.ingraft.storage.StorageIoException} (I/O faults and anything unexplained: outcome unknown).
 */
public final class TableStore implements AutoCloseable {

  /** Field metadata key marking a table's key column (Lance's unenforced primary key). */
  public static final String PRIMARY_KEY_METADATA = "lance-schema:unenforced-primary-key";

  private static final Logger LOG = LoggerFactory.getLogger(TableStore.class);
  private static final int KEY_SCAN_BATCH = 65_536;
  private static final int REWRITE_BATCH = 8_192;

  private final ObjectStore store;
  private final Map<String, String> storageOptions;
  private final BufferAllocator allocator;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Test seam, package-private: runs with the table path after a commit's HEAD check and right
   * before Lance commits, so tests can put a foreign commit into exactly that window.
   */
  volatile Consumer<String> beforeLanceCommit = table -> {};

  /** Rows per batch a rewrite reads and hands to Lance; package-private so tests can shrink it. */
  volatile int rewriteBatchRows = REWRITE_BATCH;

  /**
   * A table store over {@code store}'s root. The store is used for URIs and storage options only;
   * it is not closed by {@link #close()}.
   */
  public TableStore(ObjectStore store) {
    this.store = Objects.requireNonNull(store, "store");
    this.storageOptions = Map.copyOf(store.lanceStorageOptions());
    this.allocator = new RootAllocator(Long.MAX_VALUE);
  }

  /** The store's long-lived root allocator, for building Arrow batches to stage. */
  public BufferAllocator allocator() {
    return allocator;
  }

  // ---------------------------------------------------------------------------------------------
  // Tables and versions

  /**
   * Creates an empty table at version 1.
   *
   * @param schema the table's columns
   * @param keyColumn the key column (non-nullable Utf8, Int32 or Int64), marked in the schema with
   *     {@value #PRIMARY_KEY_METADATA}{@code =true}; null for a keyless table
   * @return the new version, 1
   * @throws TableAlreadyExistsException if a table exists at the path
   * @throws InvalidStagedWriteException if the key column is missing, nullable or of an unsupported
   *     type
   */
  public long create(String table, Schema schema, String keyColumn) {
    checkOpen();
    Objects.requireNonNull(schema, "schema");
    Schema annotated = keyColumn == null ? schema : withPrimaryKey(table, schema, keyColumn);
    try (Dataset ds =
        Dataset.write()
            .allocator(allocator)
            .uri(uri(table))
            .schema(annotated)
            .mode(WriteParams.WriteMode.CREATE)
            .storageOptions(storageOptions)
            .execute()) {
      long version = ds.version();
      LOG.debug("created table {} at version {}", table, version);
      return version;
    } catch (Exception e) {
      throw LanceErrors.onCreate(table, e);
    }
  }

  private static Schema withPrimaryKey(String table, Schema schema, String keyColumn) {
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
        metadata.put(PRIMARY_KEY_METADATA, "true");
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

  /** Whether a table exists at the path. */
  public boolean exists(String table) {
    checkOpen();
    try (Dataset ignored = openLatest(table)) {
      return true;
    } catch (TableNotFoundException e) {
      return false;
    }
  }

  /** The table's latest version (HEAD). Readers should use pinned versions instead. */
  public long headVersion(String table) {
    checkOpen();
    try (Dataset ds = openLatest(table)) {
      return ds.version();
    }
  }

  /** The number of rows of the table at {@code version}. */
  public long count(String table, long version) {
    checkOpen();
    try (Dataset ds = openAt(table, version)) {
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
    checkOpen();
    try (Dataset ds = openAt(table, version)) {
      return filter == null || filter.isBlank() ? ds.countRows() : ds.countRows(filter);
    } catch (Exception e) {
      throw LanceErrors.onScan(table, e);
    }
  }

  /** The table's schema at {@code version}, including field metadata. */
  /**
   * Data files under the table's {@code data/} folder that no table version references: the staged
   * files of writes that were never committed (a rolled-back batch, a crash before the commit).
   * They are listed, never deleted here: a file staged by a live writer looks the same until that
   * writer commits it, so removing them is a maintenance decision taken while no writer is live.
   *
   * @return object keys relative to the storage root, sorted
   */
  public List<String> unreferencedDataFiles(String table) {
    checkOpen();
    Set<String> referenced = new HashSet<>();
    try (Dataset head = openLatest(table)) {
      for (org.lance.Version version : head.listVersions()) {
        try (Dataset at = head.checkoutVersion(version.getId())) {
          for (Fragment fragment : at.getFragments()) {
            for (org.lance.fragment.DataFile file : fragment.metadata().getFiles()) {
              referenced.add(file.getPath());
            }
          }
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
    for (String key : store.list(dataPrefix)) {
      if (!referenced.contains(key.substring(dataPrefix.length()))) {
        orphans.add(key);
      }
    }
    return orphans;
  }

  /**
   * Fragment count, live and deleted rows of a version, and how many of its fragments hold fewer
   * than {@code smallFragmentRows} live rows (from its manifest; no data is read).
   */
  public TableStats stats(String table, long version, long smallFragmentRows) {
    checkOpen();
    try (Dataset ds = openAt(table, version)) {
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
   * Stages a compaction of version {@code readVersion}: the live rows of its small fragments (fewer
   * than {@code smallFragmentRows} rows) and of the fragments whose deleted share exceeds {@code
   * maxDeletedShare} are written to new fragments, which replace them in one Lance {@code Update}
   * at {@code readVersion + 1}, like any other staged write (Lance's own compaction commits two
   * versions, which the pin + 1 rule of the commit protocol forbids). Large fragments without many
   * deletions are left alone, so the cost of a compaction is bounded by the small fragments, not
   * the table. The rows, their keys and the table's row count are unchanged; rows move, so row
   * addresses change.
   *
   * @return the staged compaction, or empty when it would change nothing worth a version (at most
   *     one small fragment and no fragment past the deleted share)
   */
  public Optional<StagedWrite> stageCompaction(
      String table, long readVersion, long smallFragmentRows, double maxDeletedShare) {
    checkOpen();
    requireReadVersion(table, readVersion);
    try (Dataset ds = openAt(table, readVersion)) {
      List<Integer> ids = new ArrayList<>();
      List<Long> removed = new ArrayList<>();
      long live = 0;
      boolean deletions = false;
      for (Fragment fragment : ds.getFragments()) {
        FragmentMetadata meta = fragment.metadata();
        // Lance's fragment row count leaves out the rows its deletion file deletes.
        long rows = meta.getNumRows();
        long deleted = meta.getNumDeletions();
        boolean heavilyDeleted =
            deleted > 0 && (double) deleted / (rows + deleted) > maxDeletedShare;
        if (rows < smallFragmentRows || heavilyDeleted) {
          ids.add(meta.getId());
          removed.add((long) meta.getId());
          live += rows;
          deletions |= deleted > 0;
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

  public Schema schema(String table, long version) {
    checkOpen();
    try (Dataset ds = openAt(table, version)) {
      return ds.getSchema();
    } catch (Exception e) {
      throw LanceErrors.onRead(table, "read schema", e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /**
   * Scans the table at the pinned {@code version} and hands each batch to {@code batchConsumer}.
   * The batch is valid only during the call: copy what you need ({@link ArrowRows#toMaps}) and do
   * not close it. Everything the scan allocated is released before this method returns.
   *
   * @throws InvalidScanException for an unknown column or an invalid filter
   */
  public void scan(
      String table, long version, ScanSpec spec, Consumer<VectorSchemaRoot> batchConsumer) {
    checkOpen();
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(batchConsumer, "batchConsumer");
    try (Dataset ds = openAt(table, version)) {
      scan(table, ds, spec, batchConsumer);
    }
  }

  /** The rows the scan selects, as plain Java values ({@link ArrowRows}). */
  public List<Map<String, Object>> readRows(String table, long version, ScanSpec spec) {
    List<Map<String, Object>> rows = new ArrayList<>();
    scan(table, version, spec, batch -> rows.addAll(ArrowRows.toMaps(batch)));
    return rows;
  }

  /** Wraps an exception thrown by a caller's consumer, so it passes through unchanged. */
  private static final class ConsumerFailure extends RuntimeException {
    ConsumerFailure(RuntimeException cause) {
      super(cause);
    }

    RuntimeException original() {
      return (RuntimeException) getCause();
    }
  }

  private void scan(String table, Dataset ds, ScanSpec spec, Consumer<VectorSchemaRoot> consumer) {
    ScanOptions options = scanOptions(table, ds.getSchema(), spec);
    // Close order matters (lance-java.md §7): reader, then scanner, then the child allocator.
    try (BufferAllocator child = allocator.newChildAllocator("scan " + table, 0, Long.MAX_VALUE);
        LanceScanner scanner = LanceScanner.create(ds, options, child);
        ArrowReader reader = scanner.scanBatches()) {
      while (reader.loadNextBatch()) {
        VectorSchemaRoot batch = reader.getVectorSchemaRoot();
        try {
          consumer.accept(batch);
        } catch (RuntimeException e) {
          throw new ConsumerFailure(e);
        }
      }
    } catch (ConsumerFailure e) {
      throw e.original();
    } catch (Exception e) {
      throw LanceErrors.onScan(table, e);
    }
  }

  private static ScanOptions scanOptions(String table, Schema schema, ScanSpec spec) {
    ScanOptions.Builder options = new ScanOptions.Builder().batchSize(spec.batchSize());
    if (spec.columns() != null) {
      for (String column : spec.columns()) {
        if (schema.getFields().stream().noneMatch(f -> f.getName().equals(column))) {
          throw new InvalidScanException(table, "unknown column " + column);
        }
      }
      options.columns(spec.columns());
    }
    if (spec.filter() != null) {
      options.filter(spec.filter());
    }
    options.withRowAddress(spec.withRowAddress());
    return options.build();
  }

  // ---------------------------------------------------------------------------------------------
  // Staging

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
    checkOpen();
    requireReadVersion(table, readVersion);
    Objects.requireNonNull(rows, "rows");
    try (Dataset ds = openAt(table, readVersion);
        TableBatches.Conformed batch = conform(table, ds, rows)) {
      List<FragmentMetadata> fragments = writeFragments(table, batch);
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
    return stageKeyed(table, readVersion, keyColumn, null, keys, StagedWrite.Kind.DELETE);
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
    return stageKeyed(table, readVersion, keyColumn, rows, null, StagedWrite.Kind.UPSERT);
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
    return stageKeyed(table, readVersion, keyColumn, upserts, deleteKeys, StagedWrite.Kind.UPSERT);
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
      StagedWrite.Kind kind) {
    checkOpen();
    requireReadVersion(table, readVersion);
    try (Dataset ds = openAt(table, readVersion)) {
      Schema schema = ds.getSchema();
      KeySet keySet = KeySet.forColumn(table, keyField(table, schema, keyColumn));
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
        Deletions deletions = deleteRows(table, ds, keyColumn, keySet);
        List<FragmentMetadata> fragments = batch == null ? List.of() : writeFragments(table, batch);
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
   * @param keyColumn as for {@link #create}; null for a keyless table
   * @throws InvalidStagedWriteException if the key column is missing, nullable or of an unsupported
   *     type, or the schema has no or duplicate columns
   */
  public StagedWrite stageCreate(String table, Schema schema, String keyColumn) {
    checkOpen();
    Objects.requireNonNull(schema, "schema");
    requireDistinctColumns(table, schema);
    Schema annotated = keyColumn == null ? schema : withPrimaryKey(table, schema, keyColumn);
    long readVersion = headOrEmpty(table).orElse(0);
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
   * keeps its {@value #PRIMARY_KEY_METADATA} metadata.
   *
   * @param newSchema every column of the table with the same type and nullability (in any order;
   *     the new order becomes the table's), plus any number of new nullable columns
   * @throws InvalidStagedWriteException naming the column if {@code newSchema} lacks or retypes a
   *     table column, changes its nullability, or adds a non-nullable column or one of a type
   *     {@link ArrowRows} cannot fill with nulls
   */
  public StagedWrite stageRewrite(String table, long readVersion, Schema newSchema) {
    checkOpen();
    requireReadVersion(table, readVersion);
    Objects.requireNonNull(newSchema, "newSchema");
    try (Dataset ds = openAt(table, readVersion)) {
      Schema oldSchema = ds.getSchema();
      Schema target = evolvedSchema(table, oldSchema, newSchema);
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
   * {@code requested} checked against the table's {@code old} schema, with the key metadata of the
   * old columns carried over and the old columns' child fields kept.
   */
  private static Schema evolvedSchema(String table, Schema old, Schema requested) {
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
        if (f.getMetadata() != null && f.getMetadata().containsKey(PRIMARY_KEY_METADATA)) {
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
          && "true".equals(before.getMetadata().get(PRIMARY_KEY_METADATA))) {
        metadata.put(PRIMARY_KEY_METADATA, "true");
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
            allocator.newChildAllocator("rewrite " + table, 0, Long.MAX_VALUE);
        LanceScanner scanner = LanceScanner.create(ds, options, child)) {
      reader =
          new TableBatches.ConformingReader(table, child, scanner.scanBatches(), oldSchema, target);
      try (TableBatches.ConformingReader owned = reader;
          ArrowArrayStream stream = ArrowArrayStream.allocateNew(child)) {
        Data.exportArrayStream(child, owned, stream);
        return Fragment.write()
            .datasetUri(uri(table))
            .allocator(child)
            .data(stream)
            .storageOptions(storageOptions)
            .execute();
      }
    } catch (Exception e) {
      if (reader != null && reader.failure() != null) {
        throw reader.failure();
      }
      throw LanceErrors.onStage(table, "rewrite rows", e);
    }
  }

  private static void requireReadVersion(String table, long readVersion) {
    // Lance aborts the JVM on an Update/Delete with read version 0 (lance-upsert.md §2).
    if (readVersion < 1) {
      throw new InvalidStagedWriteException(table, "read version must be >= 1, was " + readVersion);
    }
  }

  private static void requireDistinctColumns(String table, Schema schema) {
    if (schema.getFields().isEmpty()) {
      throw new InvalidStagedWriteException(table, "a table needs at least one column");
    }
    java.util.Set<String> names = new java.util.HashSet<>();
    for (Field f : schema.getFields()) {
      if (!names.add(f.getName())) {
        throw new InvalidStagedWriteException(
            table, "column " + f.getName() + " appears twice in the schema");
      }
    }
  }

  private static Field keyField(String table, Schema schema, String keyColumn) {
    if (keyColumn == null) {
      throw new InvalidStagedWriteException(table, "a key column is required");
    }
    return schema.getFields().stream()
        .filter(f -> f.getName().equals(keyColumn))
        .findFirst()
        .orElseThrow(
            () -> new InvalidStagedWriteException(table, "unknown key column " + keyColumn));
  }

  /**
   * {@code rows} in the exact shape of {@code ds}'s data files (see {@link TableBatches}): the
   * table's columns in the table's order, missing nullable columns null.
   */
  private TableBatches.Conformed conform(String table, Dataset ds, VectorSchemaRoot rows) {
    TableBatches.requireSequentialFieldIds(table, ds.getLanceSchema());
    return TableBatches.conform(table, ds.getSchema(), rows, allocator);
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
    scan(
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
        updated.add(result);
      }
    }
    return new Deletions(updated, removed, matched[0]);
  }

  private List<FragmentMetadata> writeFragments(String table, TableBatches.Conformed rows) {
    if (rows.rowCount() == 0) {
      return List.of();
    }
    try (BufferAllocator child = allocator.newChildAllocator("stage " + table, 0, Long.MAX_VALUE)) {
      return Fragment.write()
          .datasetUri(uri(table))
          .allocator(child)
          .data(rows.root())
          .storageOptions(storageOptions)
          .execute();
    } catch (Exception e) {
      throw LanceErrors.onStage(table, "write fragments", e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Commits

  /**
   * Commits a staged write as exactly version {@code readVersion + 1}.
   *
   * <p>A {@link StagedWrite.Kind#CREATE} at read version 0 creates the table at version 1 and
   * requires that no table exists at the path; any other staged write requires HEAD to be its read
   * version.
   *
   * @param transactionId the pre-minted id recovery will look for
   * @param properties recorded in the Lance transaction (graph, operation, epoch, offsets)
   * @return the new version, {@code staged.readVersion() + 1}
   * @throws TableMovedException if HEAD is not the staged read version (for a CREATE at 0: if a
   *     table exists; {@code actual} is its HEAD), or if Lance reports a conflicting concurrent
   *     commit: nothing was committed
   * @throws CommittedAtOtherVersionException if a foreign commit raced in and ours landed at a
   *     later version: the commit DID happen, and recovery finds it by {@code transactionId}
   * @throws io.ingraft.storage.StorageIoException on an I/O fault: the outcome is unknown
   */
  public long commit(StagedWrite staged, UUID transactionId, Map<String, String> properties) {
    checkOpen();
    Objects.requireNonNull(staged, "staged");
    Objects.requireNonNull(transactionId, "transactionId");
    String table = staged.table();
    long readVersion = staged.readVersion();
    if (readVersion == 0) {
      // Only a CREATE can have read version 0 (StagedWrite's invariant).
      OptionalLong head = headOrEmpty(table);
      if (head.isPresent()) {
        throw new TableMovedException(table, 0, head.getAsLong());
      }
      long version =
          commitOperation(table, null, 0, operationOf(staged), transactionId, properties);
      LOG.debug(
          "committed {} of {}: version {}, transaction {}",
          staged.kind(),
          table,
          version,
          transactionId);
      return version;
    }
    try (Dataset head = openLatest(table)) {
      if (head.version() != readVersion) {
        throw new TableMovedException(table, readVersion, head.version());
      }
      long version =
          commitOperation(table, head, readVersion, operationOf(staged), transactionId, properties);
      LOG.debug(
          "committed {} to {}: version {} -> {} (+{} -{} rows), transaction {}",
          staged.kind(),
          table,
          readVersion,
          version,
          staged.rowsAdded(),
          staged.rowsDeleted(),
          transactionId);
      return version;
    }
  }

  private static Operation operationOf(StagedWrite staged) {
    if (staged.kind() == StagedWrite.Kind.CREATE || staged.kind() == StagedWrite.Kind.OVERWRITE) {
      return Overwrite.builder().fragments(staged.newFragments()).schema(staged.schema()).build();
    }
    if (staged.isEmpty()) {
      // Append rejects an empty fragment list; an empty Update still makes version R + 1.
      return Update.builder()
          .removedFragmentIds(List.of())
          .updatedFragments(List.of())
          .newFragments(List.of())
          .build();
    }
    return switch (staged.kind()) {
      case APPEND -> Append.builder().fragments(staged.newFragments()).build();
      case DELETE ->
          Delete.builder()
              .updatedFragments(staged.updatedFragments())
              .deletedFragmentIds(staged.removedFragmentIds())
              .predicate("ingraft: delete by key")
              .build();
      case UPSERT, COMPACT ->
          Update.builder()
              .removedFragmentIds(staged.removedFragmentIds())
              .updatedFragments(staged.updatedFragments())
              .newFragments(staged.newFragments())
              .updateMode(Optional.of(Update.UpdateMode.RewriteRows))
              .build();
      case CREATE, OVERWRITE -> throw new IllegalStateException("handled above");
    };
  }

  /**
   * Commits {@code operation} at {@code readVersion} through {@code base} (a handle at HEAD ==
   * readVersion), or by URI when {@code base} is null (read version 0, the table does not exist
   * yet), and checks that it landed at readVersion + 1.
   */
  private long commitOperation(
      String table,
      Dataset base,
      long readVersion,
      Operation operation,
      UUID transactionId,
      Map<String, String> properties) {
    beforeLanceCommit.accept(table);
    long version;
    try (Transaction transaction =
            new Transaction.Builder()
                .readVersion(readVersion)
                .uuid(transactionId.toString())
                .operation(operation)
                .transactionProperties(properties == null ? Map.of() : Map.copyOf(properties))
                .build();
        Dataset next =
            (base == null ? new CommitBuilder(uri(table), allocator) : new CommitBuilder(base))
                .writeParams(storageOptions)
                // Retention is an explicit maintenance decision that must respect manifest pins.
                .skipAutoCleanup(true)
                .execute(transaction)) {
      version = next.version();
    } catch (Exception e) {
      if (LanceErrors.isConflict(e)) {
        throw new TableMovedException(table, readVersion, latestOrUnknown(table), e);
      }
      throw LanceErrors.onCommit(table, e);
    }
    if (version != readVersion + 1) {
      // For read version 0 Lance does not refuse an existing dataset: it overwrites it.
      LOG.warn(
          "table {}: commit of transaction {} landed at version {} instead of {}; a "
              + "foreign writer committed in between",
          table,
          transactionId,
          version,
          readVersion + 1);
      throw new CommittedAtOtherVersionException(table, readVersion + 1, version);
    }
    return version;
  }

  private long latestOrUnknown(String table) {
    try (Dataset ds = openLatest(table)) {
      return ds.version();
    } catch (RuntimeException e) {
      LOG.debug("table {}: could not re-read HEAD after a commit conflict", table, e);
      return -1;
    }
  }

  /**
   * Commits a Lance {@code Restore} on top of HEAD: the new version (HEAD + 1) has the content of
   * {@code toVersion}. Readers of older pinned versions are unaffected.
   *
   * @return the new version
   * @throws TableVersionNotFoundException if {@code toVersion} is beyond HEAD, below 1 or was
   *     cleaned up
   * @throws ConcurrentTableWriteException as for {@link #commit} (either subtype)
   */
  public long restore(
      String table, long toVersion, UUID transactionId, Map<String, String> properties) {
    checkOpen();
    Objects.requireNonNull(transactionId, "transactionId");
    try (Dataset head = openLatest(table)) {
      long headVersion = head.version();
      if (toVersion < 1 || toVersion > headVersion) {
        throw new TableVersionNotFoundException(table, toVersion);
      }
      try (Dataset target = checkout(table, head, toVersion)) {
        LOG.debug(
            "restoring {} to version {} ({} rows) on top of {}",
            table,
            toVersion,
            target.countRows(),
            headVersion);
      }
      long version =
          commitOperation(
              table,
              head,
              headVersion,
              Restore.builder().version(toVersion).build(),
              transactionId,
              properties);
      LOG.info(
          "restored table {} to version {} as version {}, transaction {}",
          table,
          toVersion,
          version,
          transactionId);
      return version;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Version history

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
    checkOpen();
    Objects.requireNonNull(transactionId, "transactionId");
    try (Dataset head = openLatest(table)) {
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
    checkOpen();
    try (Dataset at = openAt(table, version)) {
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

  // ---------------------------------------------------------------------------------------------
  // Handles

  private String uri(String table) {
    if (table == null || table.isBlank()) {
      throw new IllegalArgumentException("table path is required");
    }
    return store.lanceUri(table);
  }

  private ReadOptions.Builder readOptions() {
    return new ReadOptions.Builder().setStorageOptions(storageOptions);
  }

  private Dataset openLatest(String table) {
    String uri = uri(table);
    try {
      return Dataset.open()
          .allocator(allocator)
          .uri(uri)
          .readOptions(readOptions().build())
          .build();
    } catch (Exception e) {
      throw LanceErrors.onRead(table, "open", e);
    }
  }

  /**
   * HEAD of the table, or empty if no table exists at the path: one open, where {@link #exists}
   * followed by {@link #headVersion} takes two.
   */
  public OptionalLong headIfExists(String table) {
    checkOpen();
    return headOrEmpty(table);
  }

  private OptionalLong headOrEmpty(String table) {
    try (Dataset ds = openLatest(table)) {
      return OptionalLong.of(ds.version());
    } catch (TableNotFoundException e) {
      return OptionalLong.empty();
    }
  }

  private Dataset openAt(String table, long version) {
    if (version < 1) {
      if (!exists(table)) {
        throw new TableNotFoundException(table);
      }
      throw new TableVersionNotFoundException(table, version);
    }
    String uri = uri(table);
    try {
      return Dataset.open()
          .allocator(allocator)
          .uri(uri)
          .readOptions(readOptions().setVersion(version).build())
          .build();
    } catch (Exception e) {
      if (LanceErrors.isNotFound(e)) {
        // Lance says "…/_versions/N.manifest was not found" for a missing table and for a
        // missing version alike; tell them apart by opening HEAD.
        if (!exists(table)) {
          throw new TableNotFoundException(table);
        }
        throw new TableVersionNotFoundException(table, version);
      }
      throw LanceErrors.onRead(table, "open version " + version, e);
    }
  }

  private static Dataset checkout(String table, Dataset ds, long version) {
    try {
      return ds.checkoutVersion(version);
    } catch (Exception e) {
      if (LanceErrors.isNotFound(e)) {
        throw new TableVersionNotFoundException(table, version);
      }
      throw LanceErrors.onRead(table, "check out version " + version, e);
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("TableStore is closed");
    }
  }

  /**
   * Releases the allocator. Throws {@link IllegalStateException} if Arrow memory is still allocated
   * (a batch from {@link ArrowRows#toRoot} not closed by its owner). Idempotent.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      allocator.close();
    }
  }
}
