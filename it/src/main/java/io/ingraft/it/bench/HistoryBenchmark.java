package io.ingraft.it.bench;

import io.ingraft.engine.BatchResult;
import io.ingraft.engine.EventResult;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.MaintenancePolicy;
import io.ingraft.engine.retention.GcReport;
import io.ingraft.engine.retention.GraphGc;
import io.ingraft.engine.retention.RetentionPolicy;
import io.ingraft.engine.retention.RetentionSchedule;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.GraphLayout;
import io.ingraft.storage.TableKey;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Whether a publish gets dearer as a graph's history grows. One graph on a local storage root gets
 * {@code versions} small batches (the pipeline benchmark's append mix: a new {@code Person}, then a
 * {@code Knows} edge between two earlier ones), one version each, as a graph fed by a steady stream
 * does; every {@code step} versions it prints the apply time and CPU per version over the last step
 * and, measured alone at that point, the two lookups of "the newest version" a publish makes: the
 * graph's manifest log (a handle that has seen a version, as the writer's, and a new handle, as a
 * CLI command's) and a table's HEAD in Lance. At the end it times three {@code graph gc} runs (a
 * retention that keeps everything, one that keeps the newest half, the last 10 versions) and
 * measures the lookups again.
 *
 * <p>Run: {@code mvn -B -q -DskipTests install -o && mvn -B -q -o -pl it exec:exec@history-bench}
 * with optional {@code -Dbench.args="<versions> <events per version> <step> [retention=N]"}
 * (defaults 10000 10 1000; with {@code retention=N} the engine's own retention schedule keeps the
 * last N versions, every 10 s, as {@code ingraft.writer.retention.*} does in the pipeline).
 */
public final class HistoryBenchmark {
  private static final GraphId GRAPH = GraphId.of("history");
  private static final int LOOKUPS = 20;

  private final int versions;
  private final int eventsPerVersion;
  private final int step;
  private final AppendMixBatches batches = new AppendMixBatches(GRAPH.value(), 7);

  /** With retention=N, the engine's own retention keeps the last N versions, every 10 s. */
  private final Integer keepLast;

  private HistoryBenchmark(int versions, int eventsPerVersion, int step, Integer keepLast) {
    this.versions = versions;
    this.eventsPerVersion = eventsPerVersion;
    this.step = step;
    this.keepLast = keepLast;
  }

  public static void main(String[] args) throws Exception {
    String[] a = args.length == 1 ? args[0].trim().split("\\s+") : args;
    int versions = a.length > 0 && !a[0].isBlank() ? Integer.parseInt(a[0]) : 10_000;
    int events = a.length > 1 ? Integer.parseInt(a[1]) : 10;
    int step = a.length > 2 ? Integer.parseInt(a[2]) : 1_000;
    Integer keepLast = null;
    for (int i = 3; i < a.length; i++) {
      if (!a[i].startsWith("retention=")) {
        throw new IllegalArgumentException("unknown argument " + a[i] + " (retention=N)");
      }
      keepLast = Integer.parseInt(a[i].substring("retention=".length()));
    }
    new HistoryBenchmark(versions, events, step, keepLast).run();
  }

  private void run() throws Exception {
    Path root =
        Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "history-");
    System.out.printf(
        "History benchmark: one graph, %,d versions of %d events each, local storage root %s"
            + " (deleted at the end)%s%n%n",
        versions,
        eventsPerVersion,
        root,
        keepLast == null
            ? ""
            : String.format(
                "; the writer's retention keeps the last %d versions, every 10 s", keepLast));
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      measure(store, tables);
    } finally {
      WorkDirectory.delete(root);
    }
  }

  private void measure(ObjectStore store, TableStore tables) {
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    System.out.printf(
        "%9s  %13s  %13s  %19s  %17s  %16s%n",
        "versions",
        "apply ms/ver",
        "CPU ms/ver",
        "log latest (seen)",
        "log latest (new)",
        "open at HEAD ms");
    MaintenancePolicy maintenance =
        keepLast == null
            ? MaintenancePolicy.DEFAULT
            : MaintenancePolicy.DEFAULT.withRetention(
                RetentionSchedule.every(
                    Duration.ofSeconds(10), new RetentionPolicy(keepLast, null, null)));
    try (GraphEngine engine =
        new GraphEngine(store, tables, "bench", Clock.systemUTC(), maintenance)) {
      measureWith(store, tables, os, engine);
    }
  }

  private void measureWith(
      ObjectStore store,
      TableStore tables,
      com.sun.management.OperatingSystemMXBean os,
      GraphEngine engine) {
    engine.createGraph(GRAPH, EngineBenchmark.SCHEMA);
    ManifestLog seen = new ManifestLog(store, GRAPH);
    seen.require();
    String personTable = new GraphLayout(GRAPH).tablePath(TableKey.of("nodes/Person"));
    for (int done = 0; done < versions; ) {
      int n = Math.min(step, versions - done);
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        check(engine.apply(GRAPH, batches.next(eventsPerVersion)));
      }
      double applyMs = (System.nanoTime() - t0) / 1e6 / n;
      double cpuMs = (os.getProcessCpuTime() - cpu0) / 1e6 / n;
      done += n;
      long latest = seen.require().version();
      System.out.printf(
          "%,9d  %13.1f  %13.1f  %19.2f  %17.2f  %16.2f%n",
          latest,
          applyMs,
          cpuMs,
          timeMs(seen::require),
          timeMs(() -> new ManifestLog(store, GRAPH).require()),
          lanceHeadMs(tables, personTable));
    }
    System.out.printf(
        "%ngraph gc over this history (the default orphan age, 24 h, unless said):%n%-46s  %9s  %17s  %15s%n",
        "run", "wall ms", "manifests dropped", "Lance versions");
    GraphGc gc = new GraphGc(store, tables, Clock.systemUTC());
    gc(
        gc,
        "a retention that keeps every version",
        new RetentionPolicy(null, Duration.ofDays(1), null));
    gc(gc, "the newest half kept", new RetentionPolicy(versions / 2, null, null));
    gc(gc, "the last 10 kept, orphan age 0", new RetentionPolicy(10, null, Duration.ZERO));
    System.out.printf(
        "%nafter graph gc: log latest (seen) %.2f ms, log latest (new) %.2f ms, open at HEAD %.2f ms%n",
        timeMs(seen::require),
        timeMs(() -> new ManifestLog(store, GRAPH).require()),
        lanceHeadMs(tables, personTable));
  }

  /**
   * One {@code graph gc} run, timed: what scheduled housekeeping costs, which should follow what it
   * removes, not the length of the history it keeps.
   */
  private static void gc(GraphGc gc, String run, RetentionPolicy policy) {
    long t0 = System.nanoTime();
    GcReport report = gc.collect(GRAPH, policy, false);
    System.out.printf(
        "%-46s  %9.0f  %,17d  %,15d%n",
        run,
        (System.nanoTime() - t0) / 1e6,
        report.manifests().count(),
        report.tables().stream().mapToLong(GcReport.TableGc::versionsRemoved).sum());
  }

  /** Mean wall time of {@link #LOOKUPS} calls, after one unmeasured. */
  private static double timeMs(Runnable lookup) {
    lookup.run();
    long t0 = System.nanoTime();
    for (int i = 0; i < LOOKUPS; i++) {
      lookup.run();
    }
    return (System.nanoTime() - t0) / 1e6 / LOOKUPS;
  }

  /**
   * Mean wall time of opening the table at its HEAD ({@link TableStore#headVersion}): Lance finds
   * the newest version (on a local disk a listing of {@code _versions/}) and reads its manifest.
   */
  private static double lanceHeadMs(TableStore tables, String table) {
    return timeMs(() -> tables.headVersion(table));
  }

  private static void check(BatchResult result) {
    if (result.count(EventResult.Status.REJECTED) > 0) {
      throw new IllegalStateException("events rejected: " + result.events());
    }
  }
}
