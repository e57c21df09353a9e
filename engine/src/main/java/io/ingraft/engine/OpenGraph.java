package io.ingraft.engine;

import io.ingraft.engine.write.BatchStaging;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.manifest.TablePin;
import io.ingraft.storage.table.KeyIndex;
import io.ingraft.storage.table.StagedWrite;
import io.ingraft.storage.table.TableStats;
import io.ingraft.storage.table.TableStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One graph as the engine holds it while it writes the graph: the graph's manifest log, its owner
 * state while this engine owns it, and what is cached of its tables between batches (the key →
 * row-address index and the stats of each table). The engine keeps one per graph it writes and
 * drops it when the graph is released, and with it every cache of the graph: an instance that gains
 * and loses many graphs does not keep what it cached of the lost ones.
 *
 * <p>Every cache is tied to a table version and checked against the version a batch pins, so a
 * stale entry (after a failed publish, a takeover, a schema rewrite) is rebuilt, never used. Thread
 * safety: the owner state may be read from any thread; the caches are used by the graph's one
 * writer thread (the engine writes one graph from one thread at a time).
 */
final class OpenGraph {
  private static final Logger LOG = LoggerFactory.getLogger(OpenGraph.class);

  private final ManifestLog log;
  private volatile GraphEngine.OwnedGraph owned;
  private final Map<String, KeyIndex> keyIndexes = new ConcurrentHashMap<>();
  private final Map<String, VersionedStats> tableStats = new ConcurrentHashMap<>();
  private final Map<String, StagingCompaction> compactions = new ConcurrentHashMap<>();
  private final Set<String> compactInline = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean collecting = new AtomicBoolean();

  /** When this engine last started a retention run of the graph; null: never since it held it. */
  private volatile Instant lastCollection;

  /**
   * A table's fragment and row counts at one version, for the compaction check after every publish.
   * Carried forward from the staged write of an append (which only adds fragments and rows) instead
   * of opening the table again; read from the table after any other write.
   */
  private record VersionedStats(long version, TableStats stats) {}

  OpenGraph(ManifestLog log) {
    this.log = log;
  }

  ManifestLog log() {
    return log;
  }

  /** The owner state, or null while this engine does not own the graph. */
  GraphEngine.OwnedGraph owned() {
    return owned;
  }

  void own(GraphEngine.OwnedGraph state) {
    owned = state;
  }

  void disown() {
    owned = null;
  }

  /**
   * The key index of a table at {@code version}: the cached one when it describes exactly that
   * version, otherwise built by one scan (first use, takeover, or after it could not be advanced).
   */
  KeyIndex keyIndex(TableStore tables, String path, long version, String keyColumn) {
    KeyIndex cached = keyIndexes.get(path);
    if (cached != null && cached.isAt(path, version) && cached.keyColumn().equals(keyColumn)) {
      return cached;
    }
    keyIndexes.remove(path);
    KeyIndex built = tables.keyIndex(path, version, keyColumn);
    keyIndexes.put(path, built);
    return built;
  }

  /**
   * Moves a table's key index over a write committed as {@code committedVersion}; an index that
   * cannot follow is dropped (rebuilt on next use).
   */
  void advanceKeys(
      TableStore tables, StagedWrite staged, long committedVersion, BatchStaging.KeyChange change) {
    KeyIndex index = keyIndexes.get(staged.table());
    if (index == null) {
      return;
    }
    if (change == null) {
      keyIndexes.remove(staged.table(), index);
      return;
    }
    boolean advanced;
    try {
      advanced =
          tables.advanceKeyIndex(
              index, staged, committedVersion, change.removed(), change.written());
    } catch (RuntimeException e) {
      // The batch is published: failing it now would only make the writer retry a done batch.
      LOG.warn("{}: cannot advance the key index; it is rebuilt on next use", staged.table(), e);
      advanced = false;
    }
    if (!advanced) {
      keyIndexes.remove(staged.table(), index);
    }
  }

  /** The table's stats at its pinned version: carried forward, or read (and remembered). */
  TableStats statsOf(TableStore tables, TablePin pin, long smallFragmentRows) {
    VersionedStats known = tableStats.get(pin.path());
    if (known != null && known.version() == pin.version()) {
      return known.stats();
    }
    TableStats stats = tables.stats(pin.path(), pin.version(), smallFragmentRows);
    tableStats.put(pin.path(), new VersionedStats(pin.version(), stats));
    return stats;
  }

  /** Carries a table's stats over an append it just committed; forgets them after any other. */
  void advanceStats(StagedWrite staged, long committedVersion, long smallFragmentRows) {
    VersionedStats before = tableStats.remove(staged.table());
    if (before == null
        || before.version() != staged.readVersion()
        || staged.kind() != StagedWrite.Kind.APPEND) {
      return;
    }
    tableStats.put(
        staged.table(),
        new VersionedStats(committedVersion, before.stats().plus(staged, smallFragmentRows)));
  }

  /**
   * A compaction being staged off the graph's write path: the version it reads, when it started,
   * and the staged write once done (empty when there was nothing to compact).
   */
  record StagingCompaction(
      long readVersion, long startedNanos, Future<Optional<StagedWrite>> staged) {}

  /** The compaction being staged for {@code table}, or null. */
  StagingCompaction stagingCompaction(String table) {
    return compactions.get(table);
  }

  void startCompaction(String table, StagingCompaction compaction) {
    compactions.put(table, compaction);
  }

  void forgetCompaction(String table) {
    compactions.remove(table);
  }

  /**
   * Whether {@code table}'s compactions run inline: one staged in the background could not be
   * committed (its fragments changed, or it failed).
   */
  boolean compactsInline(String table) {
    return compactInline.contains(table);
  }

  /** From now on {@code table} compacts inline (while this handle lives). */
  void compactInline(String table) {
    compactInline.add(table);
  }

  /** Cancels the compactions not started yet; those running finish, and nothing reads them. */
  void dropCompactions() {
    compactions.values().forEach(c -> c.staged().cancel(false));
    compactions.clear();
  }

  /**
   * Marks a retention run of the graph as started and returns true, when none is running and the
   * last one started at least {@code every} before {@code now} (or none did since the engine took
   * the graph); false otherwise.
   */
  boolean startCollection(Instant now, Duration every) {
    Instant last = lastCollection;
    if (last != null && now.isBefore(last.plus(every))) {
      return false;
    }
    if (!collecting.compareAndSet(false, true)) {
      return false;
    }
    lastCollection = now;
    return true;
  }

  /** The retention run started by {@link #startCollection} is over. */
  void collectionDone() {
    collecting.set(false);
  }

  /** The key index held for a table, whatever its version, or null (for tests). */
  KeyIndex cachedKeyIndex(String path) {
    return keyIndexes.get(path);
  }
}
