package io.ingraft.storage.table;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.arrow.vector.types.pojo.Schema;
import org.lance.CommitBuilder;
import org.lance.Dataset;
import org.lance.Transaction;
import org.lance.WriteParams;
import org.lance.operation.Append;
import org.lance.operation.Delete;
import org.lance.operation.Operation;
import org.lance.operation.Overwrite;
import org.lance.operation.Restore;
import org.lance.operation.Update;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The step of a write to a {@link TableStore} that makes a version: it commits a {@link
 * StagedWrite} staged against read version R as exactly version R + 1 (the Lance operation its kind
 * calls for), with a caller-chosen transaction uuid and properties that recovery finds again
 * through {@link TableReader#findVersionByTransaction}; it also commits a {@code Restore} of an old
 * version on top of HEAD and creates an empty table at version 1. A table that moved since R fails
 * with {@link TableMovedException} and commits nothing; a foreign commit that slipped in behind the
 * HEAD check is reported as {@link CommittedAtOtherVersionException}. Commits are not idempotent in
 * Lance, so that HEAD check is what makes a second commit of one staged write fail instead of
 * duplicating rows. Automatic cleanup of old versions is always off.
 */
public final class TableCommitter {

  private static final Logger LOG = LoggerFactory.getLogger(TableCommitter.class);

  /**
   * {@link TableStore#FILE_FORMAT_VERSION} as {@code CommitBuilder.storageFormat} spells it: the
   * name of Lance's version enum ("V2_0"); it refuses "2.0", which every write builder takes.
   */
  private static final String COMMIT_STORAGE_FORMAT =
      "V" + TableStore.FILE_FORMAT_VERSION.replace('.', '_');

  private final LanceTables lance;

  /**
   * Test seam, package-private: runs with the table path after a commit's HEAD check and right
   * before Lance commits, so tests can put a foreign commit into exactly that window.
   */
  volatile Consumer<String> beforeLanceCommit = table -> {};

  TableCommitter(LanceTables lance) {
    this.lance = lance;
  }

  /**
   * Creates an empty table at version 1.
   *
   * @param schema the table's columns
   * @param keyColumn the key column (non-nullable Utf8, Int32 or Int64), marked in the schema with
   *     {@value TableStore#PRIMARY_KEY_METADATA}{@code =true}; null for a keyless table
   * @return the new version, 1
   * @throws TableAlreadyExistsException if a table exists at the path
   * @throws InvalidStagedWriteException if the key column is missing, nullable or of an unsupported
   *     type
   */
  public long create(String table, Schema schema, String keyColumn) {
    return create(table, schema, keyColumn, TableStore.FILE_FORMAT_VERSION);
  }

  /** {@link #create(String, Schema, String)} in another Lance file format (tests of old tables). */
  long create(String table, Schema schema, String keyColumn, String fileFormatVersion) {
    lance.checkOpen();
    Objects.requireNonNull(schema, "schema");
    Schema annotated =
        keyColumn == null ? schema : TableSchemas.withPrimaryKey(table, schema, keyColumn);
    lance.forget(table);
    try (Dataset ds =
        Dataset.write()
            .allocator(lance.allocator())
            .uri(lance.uri(table))
            .schema(annotated)
            .mode(WriteParams.WriteMode.CREATE)
            .dataStorageVersion(fileFormatVersion)
            .storageOptions(lance.storageOptions())
            .execute()) {
      long version = ds.version();
      LOG.debug("created table {} at version {}", table, version);
      return version;
    } catch (Exception e) {
      throw LanceErrors.onCreate(table, e);
    }
  }

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
    lance.checkOpen();
    Objects.requireNonNull(staged, "staged");
    Objects.requireNonNull(transactionId, "transactionId");
    String table = staged.table();
    long readVersion = staged.readVersion();
    if (readVersion == 0) {
      // Only a CREATE can have read version 0 (StagedWrite's invariant).
      OptionalLong head = lance.headOrEmpty(table);
      if (head.isPresent()) {
        throw new TableMovedException(table, 0, head.getAsLong());
      }
      // Whatever was kept of an earlier table at this path describes another table.
      lance.forget(table);
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
    // The handle the stage used (kept, so not opened again) is at the read version; HEAD is asked
    // of the store, so a commit by anyone else since is seen.
    try (LanceTables.Lease lease = lance.leaseAt(table, readVersion)) {
      long head = latestVersion(table, lease.dataset());
      if (head != readVersion) {
        throw new TableMovedException(table, readVersion, head);
      }
      long version =
          commitOperation(
              table, lease.dataset(), readVersion, operationOf(staged), transactionId, properties);
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

  private static long latestVersion(String table, Dataset ds) {
    try {
      return ds.latestVersion();
    } catch (Exception e) {
      throw LanceErrors.onRead(table, "read HEAD", e);
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
    Dataset next;
    try (Transaction transaction =
        new Transaction.Builder()
            .readVersion(readVersion)
            .uuid(transactionId.toString())
            .operation(operation)
            .transactionProperties(properties == null ? Map.of() : Map.copyOf(properties))
            .build()) {
      next =
          (base == null
                  // A new table (a staged create): in Ingraft's file format, not Lance's default.
                  ? new CommitBuilder(lance.uri(table), lance.allocator())
                      .storageFormat(COMMIT_STORAGE_FORMAT)
                  : new CommitBuilder(base))
              .writeParams(lance.storageOptions())
              // Retention is an explicit maintenance decision that must respect manifest pins.
              .skipAutoCleanup(true)
              .execute(transaction);
    } catch (Exception e) {
      if (LanceErrors.isConflict(e)) {
        throw new TableMovedException(table, readVersion, latestOrUnknown(table), e);
      }
      throw LanceErrors.onCommit(table, e);
    }
    long version = next.version();
    if (base == null) {
      // A new table's handle has a session of its own; its next write opens it on the shared one.
      next.close();
    } else {
      // The new version's handle is what the table's next write stages on and commits through.
      lance.keep(table, next, version);
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
    try (Dataset ds = lance.openLatest(table)) {
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
    lance.checkOpen();
    Objects.requireNonNull(transactionId, "transactionId");
    try (Dataset head = lance.openLatest(table)) {
      long headVersion = head.version();
      if (toVersion < 1 || toVersion > headVersion) {
        throw new TableVersionNotFoundException(table, toVersion);
      }
      try (Dataset target = LanceTables.checkout(table, head, toVersion)) {
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
}
