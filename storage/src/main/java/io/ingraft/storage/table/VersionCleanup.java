package io.ingraft.storage.table;

import io.ingraft.IngraftException;
import io.ingraft.storage.object.ObjectInfo;
import io.ingraft.storage.object.ObjectStore;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.lance.Dataset;
import org.lance.Fragment;
import org.lance.ReadOptions;
import org.lance.cleanup.CleanupPolicy;
import org.lance.cleanup.RemovalStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes a table's Lance versions below a floor, with the data, deletion and index files only they
 * reference: Lance's own version cleanup ({@code cleanupWithPolicy}) with {@code beforeVersion =
 * floor}, which never removes the floor, anything above it or the latest version.
 *
 * <p>Files no version references at all (the staged files of a write that was never committed) are
 * left alone: {@code deleteUnverified} stays false, because a live writer's staged files look
 * exactly like that until it commits them (docs/storage.md, "Housekeeping"). Lance itself still
 * removes such files once they are older than seven days.
 *
 * <p>The caller chooses the floor; it must be at or below every version anything may still read or
 * commit against (the pins of every kept manifest, the expected versions of pending recovery
 * sidecars). Lance needs the manifest of a commit's read version, so a floor above a live writer's
 * pin would make its commit fail.
 */
public final class VersionCleanup {
  private static final Logger LOG = LoggerFactory.getLogger(VersionCleanup.class);

  private final ObjectStore store;
  private final Map<String, String> storageOptions;
  private final BufferAllocator allocator;

  /**
   * @param store the store the tables live in (for URIs, storage options and file sizes)
   * @param allocator the allocator datasets are opened with (a table store's)
   */
  public VersionCleanup(ObjectStore store, BufferAllocator allocator) {
    this.store = Objects.requireNonNull(store, "store");
    this.storageOptions = Map.copyOf(store.lanceStorageOptions());
    this.allocator = Objects.requireNonNull(allocator, "allocator");
  }

  /**
   * Removes every version of {@code table} below {@code floor} (none when {@code floor <= 1}).
   *
   * @throws TableNotFoundException if there is no table at the path
   */
  public VersionCleanupResult removeBelow(String table, long floor) {
    if (floor <= 1) {
      return new VersionCleanupResult(table, floor, 0, 0, 0);
    }
    try (Dataset ds = open(table)) {
      RemovalStats stats =
          ds.cleanupWithPolicy(
              CleanupPolicy.builder()
                  .withBeforeVersion(floor)
                  .withDeleteUnverified(false)
                  .withErrorIfTaggedOldVersions(false)
                  .build());
      LOG.debug(
          "table {}: removed {} versions below {}, {} bytes",
          table,
          stats.getOldVersions(),
          floor,
          stats.getBytesRemoved());
      return new VersionCleanupResult(
          table,
          floor,
          stats.getOldVersions(),
          stats.getBytesRemoved(),
          stats.getDataFilesRemoved());
    } catch (IngraftException e) {
      throw e;
    } catch (Exception e) {
      throw LanceErrors.onRead(table, "clean up versions below " + floor, e);
    }
  }

  /**
   * What {@link #removeBelow} would remove, without removing anything: the versions below {@code
   * floor}, and the data files that only they reference with their total size.
   */
  public VersionCleanupResult planBelow(String table, long floor) {
    Set<String> below = new HashSet<>();
    Set<String> kept = new HashSet<>();
    long versions = 0;
    try (Dataset head = open(table)) {
      for (org.lance.Version version : head.listVersions()) {
        boolean goes = version.getId() < floor && version.getId() != head.version();
        if (goes) {
          versions++;
        }
        try (Dataset at = head.checkoutVersion(version.getId())) {
          for (Fragment fragment : at.getFragments()) {
            for (org.lance.fragment.DataFile file : fragment.metadata().getFiles()) {
              (goes ? below : kept).add(file.getPath());
            }
          }
        }
      }
    } catch (IngraftException e) {
      throw e;
    } catch (Exception e) {
      throw LanceErrors.onRead(table, "plan the cleanup below " + floor, e);
    }
    below.removeAll(kept);
    long bytes = 0;
    for (String file : below) {
      bytes += store.stat(table + "/data/" + file).map(ObjectInfo::size).orElse(0L);
    }
    return new VersionCleanupResult(table, floor, versions, bytes, below.size());
  }

  /** The table's version numbers, ascending. */
  public List<Long> versions(String table) {
    try (Dataset ds = open(table)) {
      return ds.listVersions().stream().map(org.lance.Version::getId).sorted().toList();
    } catch (IngraftException e) {
      throw e;
    } catch (Exception e) {
      throw LanceErrors.onRead(table, "list versions", e);
    }
  }

  private Dataset open(String table) {
    try {
      return Dataset.open()
          .allocator(allocator)
          .uri(store.lanceUri(table))
          .readOptions(new ReadOptions.Builder().setStorageOptions(storageOptions).build())
          .build();
    } catch (Exception e) {
      throw LanceErrors.onRead(table, "open", e);
    }
  }
}
