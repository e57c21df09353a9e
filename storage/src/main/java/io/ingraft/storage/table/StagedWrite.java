package io.ingraft.storage.table;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.arrow.vector.types.pojo.Schema;
import org.lance.FragmentMetadata;

/**
 * A table change that is written to storage but not committed: new data files and/or deletion files
 * that no table version references yet: the one thing passed from a {@link TableStager} to a {@link
 * TableCommitter}. It becomes visible only through {@link TableCommitter#commit}, which commits it
 * as version {@code readVersion + 1} or not at all. Immutable; produced by {@link
 * TableStager#stageAppend}, {@link TableStager#stageDelete}, {@link TableStager#stageUpsert},
 * {@link TableStager#stageMerge}, {@link TableStager#stageCreate}, {@link TableStager#stageRewrite}
 * and {@link TableStager#stageCompaction}.
 *
 * <p>The canonical constructor checks the invariants whose violation Lance would commit silently
 * (docs/storage.md, "Lance 7.0.0 facts"): a fragment id listed as both updated and removed, a
 * fragment listed twice, a read version below 1 (0 is allowed only for a {@link Kind#CREATE} of a
 * table that does not exist yet, which commits a Lance {@code Overwrite}, never an Update or
 * Delete).
 *
 * @param table the table path, relative to the storage root
 * @param readVersion the pinned version the change was computed against (>= 1); for {@link
 *     Kind#CREATE} the HEAD of an orphan dataset already at the path, or 0 if there is none
 * @param kind what produced it
 * @param newFragments staged data fragments (ids are assigned by Lance at commit)
 * @param updatedFragments existing fragments with a new deletion file, each fragment at most once
 * @param removedFragmentIds fragments all of whose rows are deleted, never also in {@code
 *     updatedFragments}
 * @param rowsAdded rows in {@code newFragments}
 * @param rowsDeleted existing rows the change deletes (for {@link Kind#OVERWRITE}: every row of the
 *     read version, which {@code rowsAdded} writes again; for {@link Kind#CREATE}: 0, the content
 *     of an orphan being replaced was never published)
 * @param schema the table schema the commit installs, with the key column's {@value
 *     TableStore#PRIMARY_KEY_METADATA} metadata: required for {@link Kind#CREATE} and {@link
 *     Kind#OVERWRITE}, null for every other kind
 */
public record StagedWrite(
    String table,
    long readVersion,
    Kind kind,
    List<FragmentMetadata> newFragments,
    List<FragmentMetadata> updatedFragments,
    List<Long> removedFragmentIds,
    long rowsAdded,
    long rowsDeleted,
    Schema schema) {

  /** What produced a staged write; it decides the Lance operation used at commit. */
  public enum Kind {
    /** New rows only; committed as a Lance {@code Append}. */
    APPEND,
    /** Deletion of rows by key; committed as a Lance {@code Delete}. */
    DELETE,
    /**
     * Deletion of rows by key (the keys of the new rows and/or explicitly deleted keys) plus the
     * new rows; one Lance {@code Update}.
     */
    UPSERT,
    /**
     * Small or heavily deleted fragments replaced by new fragments holding their live rows ({@link
     * TableStager#stageCompaction}); one Lance {@code Update}, the rows unchanged.
     */
    COMPACT,
    /**
     * Creation of an empty table with {@link StagedWrite#schema()}: a Lance {@code Overwrite}
     * without fragments, at read version 0 (no dataset at the path) or over an orphan dataset's
     * HEAD.
     */
    CREATE,
    /**
     * The whole table rewritten with {@link StagedWrite#schema()} (schema evolution): a Lance
     * {@code Overwrite} whose fragments hold every row of the read version.
     */
    OVERWRITE
  }

  /** A staged write that installs no schema (every kind but CREATE and OVERWRITE). */
  public StagedWrite(
      String table,
      long readVersion,
      Kind kind,
      List<FragmentMetadata> newFragments,
      List<FragmentMetadata> updatedFragments,
      List<Long> removedFragmentIds,
      long rowsAdded,
      long rowsDeleted) {
    this(
        table,
        readVersion,
        kind,
        newFragments,
        updatedFragments,
        removedFragmentIds,
        rowsAdded,
        rowsDeleted,
        null);
  }

  public StagedWrite {
    if (table == null || kind == null) {
      throw new IllegalArgumentException("table and kind are required");
    }
    // Read version 0 aborts the JVM inside Lance for an Update/Delete with updated fragments
    // (lance-upsert.md §2); only a CREATE, committed as an Overwrite, may start from 0.
    long minReadVersion = kind == Kind.CREATE ? 0 : 1;
    if (readVersion < minReadVersion) {
      throw new InvalidStagedWriteException(
          table,
          "read version must be >= " + minReadVersion + " for " + kind + ", was " + readVersion);
    }
    newFragments = List.copyOf(newFragments);
    updatedFragments = List.copyOf(updatedFragments);
    removedFragmentIds = List.copyOf(removedFragmentIds);
    if (rowsAdded < 0 || rowsDeleted < 0) {
      throw new InvalidStagedWriteException(table, "row counts must be >= 0");
    }
    Set<Long> updatedIds = new HashSet<>();
    for (FragmentMetadata f : updatedFragments) {
      if (!updatedIds.add((long) f.getId())) {
        throw new InvalidStagedWriteException(
            table, "fragment " + f.getId() + " is listed twice as updated");
      }
    }
    Set<Long> removedIds = new HashSet<>();
    for (Long id : removedFragmentIds) {
      if (!removedIds.add(id)) {
        throw new InvalidStagedWriteException(
            table, "fragment " + id + " is listed twice as removed");
      }
      if (updatedIds.contains(id)) {
        throw new InvalidStagedWriteException(
            table, "fragment " + id + " is listed both as updated and as removed");
      }
    }
    if (kind == Kind.APPEND && (!updatedFragments.isEmpty() || !removedFragmentIds.isEmpty())) {
      throw new InvalidStagedWriteException(table, "an append cannot delete rows");
    }
    if (kind == Kind.DELETE && !newFragments.isEmpty()) {
      throw new InvalidStagedWriteException(table, "a delete cannot add rows");
    }
    boolean installsSchema = kind == Kind.CREATE || kind == Kind.OVERWRITE;
    if (installsSchema && schema == null) {
      throw new InvalidStagedWriteException(table, "a " + kind + " needs the table schema");
    }
    if (!installsSchema && schema != null) {
      throw new InvalidStagedWriteException(table, "a " + kind + " cannot change the schema");
    }
    if (installsSchema && (!updatedFragments.isEmpty() || !removedFragmentIds.isEmpty())) {
      throw new InvalidStagedWriteException(
          table, "a " + kind + " replaces the whole table and cannot list deletion files");
    }
    if (kind == Kind.CREATE && (!newFragments.isEmpty() || rowsAdded != 0 || rowsDeleted != 0)) {
      throw new InvalidStagedWriteException(table, "a create makes an empty table");
    }
  }

  /**
   * One append made of this one's and {@code other}'s new fragments, so a large batch staged in
   * pieces still commits as one version.
   */
  public StagedWrite concat(StagedWrite other) {
    if (kind != Kind.APPEND
        || other.kind != Kind.APPEND
        || !table.equals(other.table)
        || readVersion != other.readVersion) {
      throw new InvalidStagedWriteException(
          table, "only appends to the same table at the same read version can be joined");
    }
    List<FragmentMetadata> fragments = new java.util.ArrayList<>(newFragments);
    fragments.addAll(other.newFragments);
    return new StagedWrite(
        table,
        readVersion,
        Kind.APPEND,
        fragments,
        List.of(),
        List.of(),
        rowsAdded + other.rowsAdded,
        0);
  }

  /**
   * Whether committing changes no rows and no schema (it still creates version {@code readVersion +
   * 1}). A CREATE or OVERWRITE is never empty: it installs a schema.
   */
  public boolean isEmpty() {
    return schema == null
        && newFragments.isEmpty()
        && updatedFragments.isEmpty()
        && removedFragmentIds.isEmpty();
  }

  /** The row count change this write makes when committed. */
  public long rowDelta() {
    return rowsAdded - rowsDeleted;
  }
}
