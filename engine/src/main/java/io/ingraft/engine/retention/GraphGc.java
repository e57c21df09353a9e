package io.ingraft.engine.retention;

import io.ingraft.recovery.Sidecar;
import io.ingraft.recovery.SidecarStore;
import io.ingraft.recovery.SidecarTable;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.GraphLayout;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.ObjectInfo;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import io.ingraft.storage.table.VersionCleanup;
import io.ingraft.storage.table.VersionCleanupResult;
import java.time.Clock;
import java.time.Instant;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Housekeeping of one graph ({@code ingraft graph gc}): drops the manifest versions beyond a {@link
 * RetentionPolicy}, then the Lance versions of every table below the lowest version a kept manifest
 * or a pending sidecar pins, then the staged data files of writes that were never committed.
 *
 * <p>It runs beside a live writer and never claims the graph's epoch: everything it removes is
 * below what a writer, the recovery sweep or a reader of a kept version can reach, and a staged
 * file is removed only when no table version references it, no pending sidecar names its table and
 * it is older than the policy's orphan age. The argument is in docs/storage.md, "Housekeeping".
 */
public final class GraphGc {
  private final ObjectStore store;
  private final TableStore tables;
  private final VersionCleanup cleanup;
  private final SidecarStore sidecars;
  private final Clock clock;

  public GraphGc(ObjectStore store, TableStore tables, Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.tables = Objects.requireNonNull(tables, "tables");
    this.cleanup = new VersionCleanup(store, tables.allocator());
    this.sidecars = new SidecarStore(store);
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Runs (or with {@code dryRun} plans) one collection of {@code graph}.
   *
   * @throws io.ingraft.storage.manifest.GraphNotFoundException if the graph has no manifest
   * @throws io.ingraft.recovery.SidecarFormatException if a pending sidecar cannot be read: nothing
   *     is removed then, since what it protects is unknown
   */
  public GcReport collect(GraphId graph, RetentionPolicy policy, boolean dryRun) {
    return collect(new ManifestLog(store, graph), policy, dryRun);
  }

  /**
   * The same through {@code log}, a handle of the graph's manifest log that may have seen recent
   * versions (the writer's own): it then finds the latest version without listing the history.
   */
  public GcReport collect(ManifestLog log, RetentionPolicy policy, boolean dryRun) {
    GraphId graph = log.graph();
    Manifest latest = log.require();
    Instant now = clock.instant();
    List<Sidecar> pending = pendingSidecars(graph);
    // Versions run unbroken from the oldest stored to the latest: no listing of the history. (A
    // gc running at the same time may have raised the floor past the latest this one read.)
    List<Long> versions = range(Math.min(log.oldestVersion(), latest.version()), latest.version());
    long oldestKept = oldestKept(log, versions, latest, policy, pending, now);

    // Per table, the lowest version anything kept may read or commit against: its pin in the
    // oldest kept manifest, since a table's pin never goes down from one version to the next
    // (ManifestLog.publish refuses that). Tables that came after it are cleaned once it goes.
    Map<String, Long> floors = new TreeMap<>();
    oldestKeptManifest(log, versions, oldestKept, latest)
        .tables()
        .values()
        .forEach(pin -> floors.put(pin.path(), pin.version()));
    for (Sidecar sidecar : pending) {
      for (SidecarTable t : sidecar.tables()) {
        if (floors.containsKey(t.path()) && t.expectedVersion() > 0) {
          floors.merge(t.path(), t.expectedVersion(), Math::min);
        }
      }
    }

    GcReport.DroppedManifests manifests =
        dropManifests(log, new GraphLayout(graph), versions, oldestKept, dryRun);
    List<GcReport.TableGc> results = new ArrayList<>();
    for (Map.Entry<String, Long> table : floors.entrySet()) {
      VersionCleanupResult removed =
          dryRun
              ? cleanup.planBelow(table.getKey(), table.getValue())
              : cleanup.removeBelow(table.getKey(), table.getValue());
      results.add(orphans(graph, table.getKey(), removed, policy, now, dryRun));
    }
    return new GcReport(graph.value(), dryRun, latest.version(), oldestKept, manifests, results);
  }

  /**
   * The oldest version to keep: what the policy keeps, lowered to protect the base of every pending
   * sidecar (the sweep looks for its outcome in the versions after it) and the versions the writer
   * walks back through to find side outputs it has not sent yet (back to the parent of the newest
   * version that applied events).
   */
  private static long oldestKept(
      ManifestLog log,
      List<Long> versions,
      Manifest latest,
      RetentionPolicy policy,
      List<Sidecar> pending,
      Instant now) {
    long keep = latest.version();
    if (policy.keepLast() != null) {
      keep = Math.min(keep, latest.version() - policy.keepLast() + 1);
    }
    if (policy.keepFor() != null) {
      Instant cutoff = now.minus(policy.keepFor());
      // Manifest times never go backwards: the versions young enough are a suffix.
      int lo = 0;
      int hi = versions.size();
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        Optional<Manifest> m = log.readIfExists(versions.get(mid));
        if (m.isPresent() && !m.get().time().isBefore(cutoff)) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      if (lo < versions.size()) {
        keep = Math.min(keep, versions.get(lo));
      }
    }
    for (Sidecar sidecar : pending) {
      keep = Math.min(keep, Math.max(1, sidecar.baseManifestVersion()));
    }
    if (!latest.sources().isEmpty()) {
      keep = Math.min(keep, newestApplyingVersion(log, latest) - 1);
    }
    return Math.max(1, keep);
  }

  /**
   * The newest version whose source offsets differ from its parent's (it applied events; epoch
   * claims, maintenance and recovery versions apply none), or the oldest one still stored.
   */
  private static long newestApplyingVersion(ManifestLog log, Manifest latest) {
    Manifest current = latest;
    while (current.version() > 1) {
      Optional<Manifest> parent = log.readIfExists(current.version() - 1);
      if (parent.isEmpty() || !parent.get().sources().equals(current.sources())) {
        return current.version();
      }
      current = parent.get();
    }
    return current.version();
  }

  /**
   * The oldest stored manifest at or after {@code oldestKept}: one read, where the pins of every
   * kept version would be thousands on a graph fed by a stream. (A version missing from the
   * listing's range was dropped by a concurrent gc; the next one is then the oldest.)
   */
  private static Manifest oldestKeptManifest(
      ManifestLog log, List<Long> versions, long oldestKept, Manifest latest) {
    for (long v = Math.max(oldestKept, versions.get(0)); v < latest.version(); v++) {
      Optional<Manifest> manifest = log.readIfExists(v);
      if (manifest.isPresent()) {
        return manifest.get();
      }
    }
    return latest;
  }

  /** The versions {@code from} to {@code to}, as a list that holds none of them. */
  private static List<Long> range(long from, long to) {
    int size = Math.toIntExact(to - from + 1);
    return new AbstractList<>() {
      @Override
      public Long get(int index) {
        Objects.checkIndex(index, size);
        return from + index;
      }

      @Override
      public int size() {
        return size;
      }
    };
  }

  private List<Sidecar> pendingSidecars(GraphId graph) {
    List<Sidecar> pending = new ArrayList<>();
    for (String key : sidecars.list(graph)) {
      sidecars.read(key).ifPresent(pending::add);
    }
    return pending;
  }

  private GcReport.DroppedManifests dropManifests(
      ManifestLog log, GraphLayout layout, List<Long> versions, long oldestKept, boolean dryRun) {
    List<ObjectInfo> dropped;
    if (dryRun) {
      dropped = new ArrayList<>();
      for (long v = versions.get(0); v < oldestKept; v++) {
        store.stat(layout.manifestKey(v)).ifPresent(dropped::add);
      }
    } else {
      dropped = log.dropBelow(oldestKept);
    }
    if (dropped.isEmpty()) {
      return new GcReport.DroppedManifests(0, null, null, 0);
    }
    return new GcReport.DroppedManifests(
        dropped.size(),
        layout.versionOf(dropped.get(0).key()),
        layout.versionOf(dropped.get(dropped.size() - 1).key()),
        dropped.stream().mapToLong(ObjectInfo::size).sum());
  }

  /**
   * Deletes the table's unreferenced data files that are old enough, unless a pending sidecar names
   * the table. The sidecars are listed after the files: a writer that wrote its sidecar since the
   * listing is seen, and one that has not written it yet staged its files less than the orphan age
   * ago (docs/storage.md, "Housekeeping"). Younger files are not looked at: they cannot go anyway,
   * and telling a live writer's staged files from a recent version's would mean reading every
   * version.
   */
  private GcReport.TableGc orphans(
      GraphId graph,
      String table,
      VersionCleanupResult removed,
      RetentionPolicy policy,
      Instant now,
      boolean dryRun) {
    Instant cutoff = now.minus(policy.orphanMinAge());
    List<ObjectInfo> old = tables.unreferencedDataFilesOlderThan(table, cutoff);
    if (old.isEmpty()) {
      return tableGc(removed, 0, 0, 0, null);
    }
    for (Sidecar sidecar : pendingSidecars(graph)) {
      if (sidecar.tables().stream().anyMatch(t -> t.path().equals(table))) {
        return tableGc(removed, 0, 0, old.size(), "pending sidecar");
      }
    }
    // Listed again after the sidecar check: a write that went from staging through its commit
    // (and the removal of its sidecar) between the first listing and the check is referenced now,
    // and is not touched.
    Set<String> still = new HashSet<>();
    tables.unreferencedDataFilesOlderThan(table, cutoff).forEach(info -> still.add(info.key()));
    old.removeIf(info -> !still.contains(info.key()));
    long count = 0;
    long bytes = 0;
    for (ObjectInfo info : old) {
      if (!dryRun) {
        store.delete(info.key());
      }
      count++;
      bytes += info.size();
    }
    return tableGc(removed, count, bytes, 0, null);
  }

  private static GcReport.TableGc tableGc(
      VersionCleanupResult removed, long count, long bytes, long kept, String note) {
    return new GcReport.TableGc(
        removed.table(),
        removed.floor(),
        removed.versionsRemoved(),
        removed.bytesRemoved(),
        count,
        bytes,
        kept,
        note);
  }
}
