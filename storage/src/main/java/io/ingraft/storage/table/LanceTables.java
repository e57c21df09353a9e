package io.ingraft.storage.table;

import io.ingraft.storage.object.ObjectStore;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.lance.Dataset;
import org.lance.ReadOptions;
import org.lance.Session;
import org.lance.ipc.LanceScanner;
import org.lance.ipc.ScanOptions;

/**
 * What the reader, the stager and the committer of a {@link TableStore} share: the one long-lived
 * Arrow {@link RootAllocator}, the storage options, the mapping of a table path to its Lance URI,
 * the opening of a table at HEAD or at a pinned version (telling a missing table from a missing
 * version), the scan of an open handle (a child allocator per scan, released before it returns) and
 * the store's open/closed state. Every Lance error met here goes through {@link LanceErrors}.
 *
 * <p>It also keeps, per table, the newest handle a write met (the one its commit returned), so that
 * the next write of the table stages, checks HEAD, commits and advances its key index without
 * opening the table again: a {@link Lease} takes the handle out while it is used, so each handle is
 * used by one thread at a time. A handle is a snapshot of one version, which Lance never changes; a
 * table created again at the same path forgets what was kept of the old one, and a released graph's
 * handles are closed ({@link #forgetUnder}).
 *
 * <p>Every open shares one Lance {@link Session} (its metadata and index caches, bounded below): a
 * kept handle with a session of its own took about 100 KB of native memory, one on the shared
 * session about 35 KB (storage.md, "Handles kept between writes"), which is what makes keeping
 * thousands of handles affordable.
 */
final class LanceTables implements AutoCloseable {

  /** At most this many handles are kept; beyond it, others are closed (any, not the newest). */
  static final int MAX_KEPT_HANDLES = 4_096;

  /**
   * The shared session's caches. Lance's defaults (1 GiB of metadata, 6 GiB of index per session)
   * are sized for one dataset; Ingraft's tables have no Lance indexes, and a writer reads little
   * metadata beyond the manifests of the versions it writes.
   */
  static final long SESSION_METADATA_CACHE_BYTES = 256L << 20;

  static final long SESSION_INDEX_CACHE_BYTES = 64L << 20;

  private final ObjectStore store;
  private final Map<String, String> storageOptions;
  private final BufferAllocator allocator;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ConcurrentHashMap<String, Kept> kept = new ConcurrentHashMap<>();
  private final Session session;

  /** A kept handle and its version (read once: {@code Dataset.version()} is a native call). */
  private record Kept(Dataset dataset, long version) {}

  /**
   * A table handle at one version, for the length of one step of a write: the kept one when it is
   * at that version, else a fresh open. Closing it keeps the handle for the next step if nothing
   * newer is kept, and closes it otherwise.
   */
  final class Lease implements AutoCloseable {
    private final String table;
    private final Kept held;

    private Lease(String table, Kept held) {
      this.table = table;
      this.held = held;
    }

    Dataset dataset() {
      return held.dataset();
    }

    @Override
    public void close() {
      keep(table, held.dataset(), held.version());
    }
  }

  LanceTables(ObjectStore store) {
    this.store = Objects.requireNonNull(store, "store");
    this.storageOptions = Map.copyOf(store.lanceStorageOptions());
    this.allocator = new RootAllocator(Long.MAX_VALUE);
    this.session =
        Session.builder()
            .metadataCacheSizeBytes(SESSION_METADATA_CACHE_BYTES)
            .indexCacheSizeBytes(SESSION_INDEX_CACHE_BYTES)
            .build();
  }

  /** The object store the tables live in (used for URIs, storage options and listings only). */
  ObjectStore store() {
    return store;
  }

  /** The long-lived root allocator; calls that allocate take a child of it. */
  BufferAllocator allocator() {
    return allocator;
  }

  /** The Lance storage options of the object store, for writes and commits. */
  Map<String, String> storageOptions() {
    return storageOptions;
  }

  String uri(String table) {
    if (table == null || table.isBlank()) {
      throw new IllegalArgumentException("table path is required");
    }
    return store.lanceUri(table);
  }

  private ReadOptions.Builder readOptions() {
    return new ReadOptions.Builder().setStorageOptions(storageOptions);
  }

  Dataset openLatest(String table) {
    String uri = uri(table);
    try {
      return Dataset.open()
          .allocator(allocator)
          .uri(uri)
          .session(session)
          .readOptions(readOptions().build())
          .build();
    } catch (Exception e) {
      throw LanceErrors.onRead(table, "open", e);
    }
  }

  /**
   * A lease on {@code table} at {@code version}: the kept handle if it is at that version, else a
   * fresh {@link #openAt}.
   */
  Lease leaseAt(String table, long version) {
    Kept mine = take(table, version);
    return new Lease(table, mine != null ? mine : new Kept(openAt(table, version), version));
  }

  /**
   * Keeps {@code dataset} (at {@code version}) as the table's handle, unless a newer one is kept:
   * then it is closed. The caller gives up the handle either way.
   */
  void keep(String table, Dataset dataset, long version) {
    if (closed.get()) {
      dataset.close();
      return;
    }
    Dataset[] superseded = {null};
    kept.compute(
        table,
        (t, old) -> {
          if (old == null) {
            return new Kept(dataset, version);
          }
          if (old.version() >= version) {
            superseded[0] = dataset;
            return old;
          }
          superseded[0] = old.dataset();
          return new Kept(dataset, version);
        });
    closeQuietly(superseded[0]);
    if (kept.size() > MAX_KEPT_HANDLES) {
      for (Map.Entry<String, Kept> entry : kept.entrySet()) {
        if (!entry.getKey().equals(table) && kept.remove(entry.getKey(), entry.getValue())) {
          closeQuietly(entry.getValue().dataset());
          break;
        }
      }
    }
    if (closed.get()) {
      forgetUnder("");
    }
  }

  /** Takes the kept handle of {@code table} out if it is at {@code version}; null otherwise. */
  private Kept take(String table, long version) {
    Kept[] taken = {null};
    kept.computeIfPresent(
        table,
        (t, old) -> {
          if (old.version() != version) {
            return old;
          }
          taken[0] = old;
          return null;
        });
    return taken[0];
  }

  /**
   * HEAD of {@code table} as a kept handle sees it ({@code latestVersion()} asks the store for the
   * newest version without reading its manifest), or empty when no handle is kept or it failed.
   */
  OptionalLong latestThroughKept(String table) {
    Kept mine = kept.remove(table);
    if (mine == null) {
      return OptionalLong.empty();
    }
    try {
      long latest = mine.dataset().latestVersion();
      keep(table, mine.dataset(), mine.version());
      return OptionalLong.of(latest);
    } catch (RuntimeException e) {
      // Whatever went wrong (a table removed under it, an I/O fault), a fresh open says it.
      closeQuietly(mine.dataset());
      return OptionalLong.empty();
    }
  }

  /** Closes the kept handles of every table whose path starts with {@code prefix}. */
  void forgetUnder(String prefix) {
    for (Map.Entry<String, Kept> entry : kept.entrySet()) {
      if (entry.getKey().startsWith(prefix) && kept.remove(entry.getKey(), entry.getValue())) {
        closeQuietly(entry.getValue().dataset());
      }
    }
  }

  /** Closes the kept handle of {@code table}, if any (the table is being created again). */
  void forget(String table) {
    Kept old = kept.remove(table);
    if (old != null) {
      closeQuietly(old.dataset());
    }
  }

  /** How many handles are kept (for tests). */
  int keptHandles() {
    return kept.size();
  }

  private static void closeQuietly(Dataset dataset) {
    if (dataset != null) {
      try {
        dataset.close();
      } catch (RuntimeException e) {
        // Closing a snapshot handle frees native memory only; nothing to recover.
      }
    }
  }

  /** Whether a table exists at the path. */
  boolean exists(String table) {
    try (Dataset ignored = openLatest(table)) {
      return true;
    } catch (TableNotFoundException e) {
      return false;
    }
  }

  /** HEAD of the table, or empty if no table exists at the path. */
  OptionalLong headOrEmpty(String table) {
    try (Dataset ds = openLatest(table)) {
      return OptionalLong.of(ds.version());
    } catch (TableNotFoundException e) {
      return OptionalLong.empty();
    }
  }

  Dataset openAt(String table, long version) {
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
          .session(session)
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

  static Dataset checkout(String table, Dataset ds, long version) {
    try {
      return ds.checkoutVersion(version);
    } catch (Exception e) {
      if (LanceErrors.isNotFound(e)) {
        throw new TableVersionNotFoundException(table, version);
      }
      throw LanceErrors.onRead(table, "check out version " + version, e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Scans of an open handle

  /** Wraps an exception thrown by a caller's consumer, so it passes through unchanged. */
  private static final class ConsumerFailure extends RuntimeException {
    ConsumerFailure(RuntimeException cause) {
      super(cause);
    }

    RuntimeException original() {
      return (RuntimeException) getCause();
    }
  }

  /**
   * Scans {@code ds}, a handle already open at the pinned version, into {@code consumer}; an
   * exception the consumer throws passes through unchanged.
   */
  void scan(String table, Dataset ds, ScanSpec spec, Consumer<VectorSchemaRoot> consumer) {
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

  void checkOpen() {
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
      forgetUnder("");
      session.close();
      allocator.close();
    }
  }
}
