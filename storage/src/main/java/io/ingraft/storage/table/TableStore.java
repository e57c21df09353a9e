package io.ingraft.storage.table;

import io.ingraft.storage.object.ObjectInfo;
import io.ingraft.storage.object.ObjectStore;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The Lance table store: the only code in Ingraft that calls Lance, in three parts that share one
 * allocator and one way of opening tables.
 *
 * <p>Tables are addressed by paths relative to the {@link ObjectStore}'s root, such as {@code
 * graphs/g1/nodes/Person.lance} ({@link io.ingraft.storage.GraphLayout#tablePath}). Reads always
 * name a pinned version; only {@link #headVersion} and the commit path look at HEAD.
 *
 * <p>Writes are two steps, like Iceberg's {@code apply()}/{@code commit()}:
 *
 * <ol>
 *   <li><b>stage</b> ({@link TableStager}: {@link #stageAppend}, {@link #stageDelete}, {@link
 *       #stageUpsert}, {@link #stageMerge}, {@link #stageRewrite}, {@link #stageCreate}, {@link
 *       #stageCompaction}) against a pinned read version R: data files and deletion files are
 *       written, nothing is committed, HEAD and every reader are unaffected, and an immutable
 *       {@link StagedWrite} comes back;
 *   <li><b>commit</b> ({@link TableCommitter}: {@link #commit}) creates exactly version R + 1 from
 *       it, with a caller-chosen transaction uuid and properties that recovery can find again
 *       ({@link TableReader}: {@link #findVersionByTransaction}, {@link #transactionAt}).
 * </ol>
 *
 * The staged write is the only thing passed between the stager and the committer. The recipe and
 * its traps are in docs/storage.md, "Lance 7.0.0 facts".
 *
 * <p>This class owns the lifecycle: one {@link RootAllocator} lives as long as the store (every
 * scan and staging call uses a child allocator that is closed before the call returns) and {@link
 * #close} releases it. {@link #reader()}, {@link #stager()} and {@link #committer()} hand out the
 * parts; the methods of the parts are also here, delegating, for callers that use all three.
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

  /**
   * The Lance file format of the tables Ingraft creates. Not Lance 7.0.0's default (2.1): its 2.1
   * and 2.2 writers produce files their readers cannot decode for a nullable list column holding
   * one long list among many null ones (a 30,000-element list and 100,000 nulls; docs/storage.md,
   * "Lance 7.0.0 facts"), and any producer can send that shape. Data files are always written in
   * the format of the table they join, so tables created earlier keep theirs.
   */
  public static final String FILE_FORMAT_VERSION = "2.0";

  private final LanceTables lance;
  private final TableReader reader;
  private final TableStager stager;
  private final TableCommitter committer;

  /**
   * A table store over {@code store}'s root. The store is used for URIs, storage options and
   * listings only; it is not closed by {@link #close()}.
   */
  public TableStore(ObjectStore store) {
    this.lance = new LanceTables(store);
    this.reader = new TableReader(lance);
    this.stager = new TableStager(lance);
    this.committer = new TableCommitter(lance);
  }

  /** The store's long-lived root allocator, for building Arrow batches to stage. */
  public BufferAllocator allocator() {
    return lance.allocator();
  }

  /** Reads of pinned versions and of the version history. */
  public TableReader reader() {
    return reader;
  }

  /** The first step of a write: staged writes against a pinned read version. */
  public TableStager stager() {
    return stager;
  }

  /** The second step of a write: commits of staged writes, restores and table creation. */
  public TableCommitter committer() {
    return committer;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads (TableReader)

  /** See {@link TableReader#exists}. */
  public boolean exists(String table) {
    return reader.exists(table);
  }

  /** See {@link TableReader#headVersion}. */
  public long headVersion(String table) {
    return reader.headVersion(table);
  }

  /** See {@link TableReader#headIfExists}. */
  public OptionalLong headIfExists(String table) {
    return reader.headIfExists(table);
  }

  /** See {@link TableReader#count}. */
  public long count(String table, long version) {
    return reader.count(table, version);
  }

  /** See {@link TableReader#countWhere}. */
  public long countWhere(String table, long version, String filter) {
    return reader.countWhere(table, version, filter);
  }

  /** See {@link TableReader#schema}. */
  public Schema schema(String table, long version) {
    return reader.schema(table, version);
  }

  /** See {@link TableReader#stats}. */
  public TableStats stats(String table, long version, long smallFragmentRows) {
    return reader.stats(table, version, smallFragmentRows);
  }

  /** See {@link TableReader#scan}. */
  public void scan(
      String table, long version, ScanSpec spec, Consumer<VectorSchemaRoot> batchConsumer) {
    reader.scan(table, version, spec, batchConsumer);
  }

  /** See {@link TableReader#readRows}. */
  public List<Map<String, Object>> readRows(String table, long version, ScanSpec spec) {
    return reader.readRows(table, version, spec);
  }

  /** See {@link TableReader#readRowsWhereIn}. */
  public List<Map<String, Object>> readRowsWhereIn(
      String table,
      long version,
      Map<String, ? extends Collection<?>> valuesByColumn,
      List<String> columns) {
    return reader.readRowsWhereIn(table, version, valuesByColumn, columns);
  }

  /** See {@link TableReader#readRowsAt}. */
  public List<Map<String, Object>> readRowsAt(String table, long version, List<Long> addresses) {
    return reader.readRowsAt(table, version, addresses);
  }

  /**
   * Closes the table handles the store keeps open between writes (see {@link TableCommitter}) for
   * every table whose path starts with {@code prefix}: the writer calls it with a graph's directory
   * when it releases the graph, so an instance that gains and loses many graphs keeps none of the
   * lost ones open.
   */
  public void releaseHandles(String prefix) {
    lance.forgetUnder(prefix);
  }

  /** How many table handles are kept open between writes (for tests). */
  int keptHandles() {
    return lance.keptHandles();
  }

  /** See {@link TableReader#keyIndex}. */
  public KeyIndex keyIndex(String table, long version, String keyColumn) {
    return reader.keyIndex(table, version, keyColumn);
  }

  /** See {@link TableReader#advanceKeyIndex}. */
  public boolean advanceKeyIndex(
      KeyIndex index,
      StagedWrite staged,
      long committedVersion,
      Collection<?> removedKeys,
      List<?> writtenKeys) {
    return reader.advanceKeyIndex(index, staged, committedVersion, removedKeys, writtenKeys);
  }

  /** See {@link TableReader#unreferencedDataFiles}. */
  public List<String> unreferencedDataFiles(String table) {
    return reader.unreferencedDataFiles(table);
  }

  /** See {@link TableReader#unreferencedDataFilesOlderThan}. */
  public List<ObjectInfo> unreferencedDataFilesOlderThan(String table, Instant cutoff) {
    return reader.unreferencedDataFilesOlderThan(table, cutoff);
  }

  /** See {@link TableReader#findVersionByTransaction}. */
  public OptionalLong findVersionByTransaction(
      String table, long afterVersion, UUID transactionId) {
    return reader.findVersionByTransaction(table, afterVersion, transactionId);
  }

  /** See {@link TableReader#transactionAt}. */
  public Optional<TableTransaction> transactionAt(String table, long version) {
    return reader.transactionAt(table, version);
  }

  // ---------------------------------------------------------------------------------------------
  // Staging (TableStager)

  /** See {@link TableStager#stageAppend}. */
  public StagedWrite stageAppend(String table, long readVersion, VectorSchemaRoot rows) {
    return stager.stageAppend(table, readVersion, rows);
  }

  /** See {@link TableStager#stageDelete}. */
  public StagedWrite stageDelete(
      String table, long readVersion, String keyColumn, Collection<?> keys) {
    return stager.stageDelete(table, readVersion, keyColumn, keys);
  }

  /** See {@link TableStager#stageUpsert}. */
  public StagedWrite stageUpsert(
      String table, long readVersion, String keyColumn, VectorSchemaRoot rows) {
    return stager.stageUpsert(table, readVersion, keyColumn, rows);
  }

  /** See {@link TableStager#stageMerge}. */
  public StagedWrite stageMerge(
      String table,
      long readVersion,
      String keyColumn,
      VectorSchemaRoot upserts,
      Collection<?> deleteKeys) {
    return stager.stageMerge(table, readVersion, keyColumn, upserts, deleteKeys);
  }

  /**
   * See {@link TableStager#stageMerge(String, long, String, VectorSchemaRoot, Collection,
   * KeyIndex)}.
   */
  public StagedWrite stageMerge(
      String table,
      long readVersion,
      String keyColumn,
      VectorSchemaRoot upserts,
      Collection<?> deleteKeys,
      KeyIndex index) {
    return stager.stageMerge(table, readVersion, keyColumn, upserts, deleteKeys, index);
  }

  /** See {@link TableStager#stageCreate}. */
  public StagedWrite stageCreate(String table, Schema schema, String keyColumn) {
    return stager.stageCreate(table, schema, keyColumn);
  }

  /** See {@link TableStager#stageRewrite}. */
  public StagedWrite stageRewrite(String table, long readVersion, Schema newSchema) {
    return stager.stageRewrite(table, readVersion, newSchema);
  }

  /** See {@link TableStager#stageCompaction}. */
  public Optional<StagedWrite> stageCompaction(
      String table, long readVersion, long smallFragmentRows, double maxDeletedShare) {
    return stager.stageCompaction(table, readVersion, smallFragmentRows, maxDeletedShare);
  }

  /** See {@link TableStager#rebaseCompaction}. */
  public Optional<StagedWrite> rebaseCompaction(StagedWrite staged, long readVersion) {
    return stager.rebaseCompaction(staged, readVersion);
  }

  // ---------------------------------------------------------------------------------------------
  // Commits (TableCommitter)

  /** See {@link TableCommitter#create}. */
  public long create(String table, Schema schema, String keyColumn) {
    return committer.create(table, schema, keyColumn);
  }

  /** See {@link TableCommitter#commit}. */
  public long commit(StagedWrite staged, UUID transactionId, Map<String, String> properties) {
    return committer.commit(staged, transactionId, properties);
  }

  /** See {@link TableCommitter#restore}. */
  public long restore(
      String table, long toVersion, UUID transactionId, Map<String, String> properties) {
    return committer.restore(table, toVersion, transactionId, properties);
  }

  /**
   * Releases the allocator. Throws {@link IllegalStateException} if Arrow memory is still allocated
   * (a batch from {@link ArrowRows#toRoot} not closed by its owner). Idempotent.
   */
  @Override
  public void close() {
    lance.close();
  }
}
