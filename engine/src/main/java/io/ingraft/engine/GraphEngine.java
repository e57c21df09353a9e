package io.ingraft.engine;

import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.SourcePosition;
import io.ingraft.engine.load.LoadSources;
import io.ingraft.engine.read.GraphSnapshot;
import io.ingraft.engine.retention.GcReport;
import io.ingraft.engine.retention.GraphGc;
import io.ingraft.engine.retention.RetentionSchedule;
import io.ingraft.engine.schema.GraphSchema;
import io.ingraft.engine.schema.IncompatibleSchemaChangeException;
import io.ingraft.engine.schema.SchemaCatalog;
import io.ingraft.engine.schema.SchemaChange;
import io.ingraft.engine.schema.SchemaEvolution;
import io.ingraft.engine.schema.SchemaParseException;
import io.ingraft.engine.write.BatchStaging;
import io.ingraft.engine.write.LoadFiles;
import io.ingraft.recovery.CommitPlan;
import io.ingraft.recovery.GuardedCommit;
import io.ingraft.recovery.RecoveryAudit;
import io.ingraft.recovery.RecoveryOutcome;
import io.ingraft.recovery.RecoverySweep;
import io.ingraft.recovery.SidecarKind;
import io.ingraft.recovery.SidecarStore;
import io.ingraft.recovery.TableWrite;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.GraphLayout;
import io.ingraft.storage.NoticeMarks;
import io.ingraft.storage.RetryRecord;
import io.ingraft.storage.StopRecords;
import io.ingraft.storage.TableKey;
import io.ingraft.storage.WriterFile;
import io.ingraft.storage.manifest.CdcPosition;
import io.ingraft.storage.manifest.CommitInfo;
import io.ingraft.storage.manifest.CommitKind;
import io.ingraft.storage.manifest.FencedException;
import io.ingraft.storage.manifest.GraphAlreadyExistsException;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestChange;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.manifest.RejectedEvent;
import io.ingraft.storage.manifest.RetentionFloor;
import io.ingraft.storage.manifest.SchemaRef;
import io.ingraft.storage.manifest.TablePin;
import io.ingraft.storage.manifest.VersionSelector;
import io.ingraft.storage.manifest.WriterEpoch;
import io.ingraft.storage.object.ObjectAlreadyExistsException;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.StagedWrite;
import io.ingraft.storage.table.TableMovedException;
import io.ingraft.storage.table.TableStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The graph engine: what makes a set of Lance tables a property graph. It creates graphs from a
 * schema, applies batches of events (each event atomic, the batch published as one manifest version
 * through the sidecar-guarded commit protocol), and serves snapshots for reads. It knows nothing of
 * Kafka: an event's source position is just a partition name and an offset.
 *
 * <p>Writing a graph makes this engine its owner: the first write claims the graph's next epoch and
 * runs the recovery sweep, and an engine that was fenced by a newer owner stops writing that graph.
 * After any failure of a write the graph is re-opened (claim and sweep) on the next one, so an
 * interrupted batch is rolled forward or back before anything else happens.
 *
 * <p>Thread safety: writes to one graph must come from one thread at a time; different graphs may
 * be written in parallel.
 */
public final class GraphEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GraphEngine.class);

  private final ObjectStore store;
  private final TableStore tables;
  private final String writerId;
  private final Clock clock;
  private final SidecarStore sidecars;
  private final RecoveryAudit audit;
  private final RecoverySweep sweep;
  private final GuardedCommit guarded;
  private final Map<GraphId, OpenGraph> graphs = new ConcurrentHashMap<>();
  private final Map<String, GraphSchema> schemas = new ConcurrentHashMap<>();
  private final MaintenancePolicy maintenance;

  /**
   * A compaction staged in the background and not committed within this is dropped: half the
   * shortest orphan age a retention schedule accepts, so gc never deletes the files of one that is
   * still going to be committed.
   */
  static final Duration STALE_COMPACTION = RetentionSchedule.MIN_ORPHAN_AGE.dividedBy(2);

  /**
   * Stages compactions off the graphs' write paths (one thread, alive only while it has work), or
   * null when the policy compacts inline.
   */
  private final ExecutorService compactionStager;

  /**
   * Runs the retention schedule's {@code graph gc} of the graphs this engine writes (one thread,
   * alive only while it has work), or null when the policy has no schedule.
   */
  private final ExecutorService retentionRunner;

  private final GraphGc gc;
  private final LoadFiles loadFiles;
  private final EngineListener listener;

  /**
   * A graph this engine owns: its epoch, the latest manifest it published or read, where it was
   * created in its source (events of a source partition below that offset came before the graph
   * existed), and whether a write failed since the last sweep (the next write sweeps first).
   */
  record OwnedGraph(
      ManifestLog log,
      WriterEpoch owner,
      Manifest manifest,
      Map<String, Long> createdAt,
      boolean dirty) {
    OwnedGraph at(Manifest next) {
      return new OwnedGraph(log, owner, next, createdAt, false);
    }

    OwnedGraph failed() {
      return new OwnedGraph(log, owner, manifest, createdAt, true);
    }
  }

  public GraphEngine(ObjectStore store, TableStore tables, String writerId, Clock clock) {
    this(store, tables, writerId, clock, MaintenancePolicy.DEFAULT);
  }

  public GraphEngine(
      ObjectStore store,
      TableStore tables,
      String writerId,
      Clock clock,
      MaintenancePolicy maintenance) {
    this(store, tables, writerId, clock, maintenance, LoadSources.DISABLED, EngineListener.NONE);
  }

  /**
   * An engine that reads load files from {@code loadSources} (with no roots, every file load is
   * refused with {@link RejectionCode#LOAD_SOURCE_REFUSED}).
   */
  public GraphEngine(
      ObjectStore store,
      TableStore tables,
      String writerId,
      Clock clock,
      MaintenancePolicy maintenance,
      LoadSources loadSources) {
    this(store, tables, writerId, clock, maintenance, loadSources, EngineListener.NONE);
  }

  /**
   * An engine that reads load files from {@code loadSources} and tells {@code listener} about its
   * takeovers and compactions.
   */
  public GraphEngine(
      ObjectStore store,
      TableStore tables,
      String writerId,
      Clock clock,
      MaintenancePolicy maintenance,
      LoadSources loadSources,
      EngineListener listener) {
    this.maintenance = maintenance;
    this.compactionStager =
        maintenance.stagedInBackground() ? newBackgroundThread("ingraft-compaction-stager") : null;
    this.retentionRunner =
        maintenance.retention().enabled() ? newBackgroundThread("ingraft-retention") : null;
    this.gc = new GraphGc(store, tables, clock);
    this.loadFiles = new LoadFiles(loadSources);
    this.listener = listener;
    this.store = store;
    this.tables = tables;
    this.writerId = writerId;
    this.clock = clock;
    this.sidecars = new SidecarStore(store);
    this.audit = new RecoveryAudit(tables);
    this.sweep = new RecoverySweep(tables, sidecars, audit, clock);
    this.guarded = new GuardedCommit(tables, sidecars, clock);
  }

  /** One daemon thread that ends when idle for 30 s and starts again with the next task. */
  private static ExecutorService newBackgroundThread(String name) {
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            1,
            1,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            task -> {
              Thread thread = new Thread(task, name);
              thread.setDaemon(true);
              return thread;
            });
    executor.allowCoreThreadTimeOut(true);
    return executor;
  }

  /**
   * Stops the compaction and retention threads, if the policy has them: staged compactions and
   * retention runs not started are dropped (nothing commits the compactions; their graphs compact
   * again later, and the next owner collects), the ones running are waited for, since they go
   * through the table store, which must stay open until this returns. Idempotent; an engine without
   * either thread has nothing to close.
   */
  @Override
  public void close() {
    stop(compactionStager, "a compaction being staged");
    stop(retentionRunner, "a retention run");
  }

  private static void stop(ExecutorService executor, String what) {
    if (executor == null) {
      return;
    }
    for (Runnable queued : executor.shutdownNow()) {
      if (queued instanceof Future<?> task) {
        task.cancel(false);
      }
    }
    try {
      if (!executor.awaitTermination(60, TimeUnit.SECONDS)) {
        LOG.warn("{} did not finish within 60 s of close", what);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public String writerId() {
    return writerId;
  }

  /** Where writers record that a graph is stopped for an operator, and why. */
  public StopRecords stopRecords() {
    return new StopRecords(store);
  }

  /** Where writers record which offset commit sends the notices of versions without events. */
  public NoticeMarks noticeMarks() {
    return new NoticeMarks(store);
  }

  /** Where writers record that a graph is stuck retrying, and why. */
  public WriterFile<RetryRecord> retryRecords() {
    return new WriterFile<>(store, "retrying.json", RetryRecord.class);
  }

  // ---------------------------------------------------------------------------------------------
  // Ownership

  /**
   * Takes a graph over: claims its next epoch and runs the recovery sweep. Called on the first
   * write; the pipeline calls it when it is assigned the graph's partition.
   *
   * @return what the sweep recovered
   */
  public List<RecoveryOutcome> takeOver(GraphId graph) {
    OwnedGraph current = ownedOf(graph);
    if (current != null && current.dirty()) {
      // Claimed already and still ours (or fenced): a retry sweeps again, it never claims again.
      return reopen(graph, current).outcomes;
    }
    OpenGraph handle = graphs.computeIfAbsent(graph, g -> new OpenGraph(new ManifestLog(store, g)));
    ManifestLog log = handle.log();
    List<RecoveryOutcome> outcomes;
    try {
      Manifest claim = sweep.claim(log, writerId);
      // Recorded before the sweep: if the sweep fails, the retry sweeps under this same claim.
      OwnedGraph claimed = new OwnedGraph(log, claim.writer(), claim, createdAt(log), true);
      own(graph, claimed);
      outcomes = reopen(graph, claimed).outcomes;
    } catch (RuntimeException e) {
      if (handle.owned() == null) {
        graphs.remove(graph, handle);
      }
      listener.takeOverFailed(graph, e);
      throw e;
    }
    listener.tookOver(graph, outcomes);
    return outcomes;
  }

  private record Reopened(OwnedGraph graph, List<RecoveryOutcome> outcomes) {}

  /**
   * Re-opens a graph this engine owns after a failed write (or a claim whose sweep failed): the
   * latest manifest must still carry our epoch (otherwise this engine is fenced), then the sweep
   * finishes or undoes whatever the failure left. No new epoch is claimed, so a retry writes no
   * manifest version unless there was something to recover.
   */
  private Reopened reopen(GraphId graph, OwnedGraph current) {
    Manifest latest = current.log().require();
    if (latest.epoch() != current.owner().epoch()) {
      disown(graph);
      throw new FencedException(graph.value(), current.owner().epoch(), latest.epoch());
    }
    List<RecoveryOutcome> outcomes = sweep.sweep(current.log(), current.owner());
    OwnedGraph reopened =
        new OwnedGraph(
            current.log(), current.owner(), current.log().require(), current.createdAt(), false);
    own(graph, reopened);
    return new Reopened(reopened, outcomes);
  }

  /** Where the graph's first version says it was created, per source partition. */
  private static Map<String, Long> createdAt(ManifestLog log) {
    try {
      Optional<Manifest> first = log.readIfExists(1);
      if (first.isEmpty()) {
        // Dropped by retention (graph gc), which carried the creation offsets forward.
        return log.floor().map(RetentionFloor::createdSources).orElse(Map.of());
      }
      return first.get().commit().kind() == CommitKind.CREATE ? first.get().sources() : Map.of();
    } catch (RuntimeException e) {
      // Version 1 unreadable (removed by hand): no event is taken to predate the graph.
      LOG.debug("graph {}: cannot read version 1", log.graph(), e);
      return Map.of();
    }
  }

  /**
   * Recovers what an interrupted operation left behind in a graph this engine owns, if anything:
   * when the graph has sidecars and no other writer has claimed it since this engine did, the sweep
   * runs under this engine's epoch (no new claim; a version is published only if a table has to be
   * rolled forward or restored); otherwise nothing is published. A writer calls it before it stops,
   * with none of its own batches of the graph running, because a fenced zombie's sidecar written
   * after this owner's takeover is otherwise only swept by the owner's next write to the graph.
   *
   * @return what the sweep recovered (empty when there was nothing, the graph is not owned, or
   *     another writer claimed it)
   */
  public List<RecoveryOutcome> recoverIfPending(GraphId graph) {
    OwnedGraph current = ownedOf(graph);
    if (current == null
        || sidecars.list(graph).isEmpty()
        || current.log().require().epoch() != current.owner().epoch()) {
      return List.of();
    }
    // Swept under the epoch this engine holds: a new claim would fence no one more (every older
    // epoch is fenced already) and would be a version no writer sends a commit notice for.
    return reopen(graph, current).outcomes;
  }

  /**
   * Forgets a graph and drops its handle, and with it what is cached of it (key indexes, table
   * stats, the table handles the store keeps open between writes): the next write takes it over
   * again. Used when a partition is revoked.
   */
  public void release(GraphId graph) {
    OpenGraph handle = graphs.remove(graph);
    if (handle != null) {
      handle.dropCompactions();
    }
    tables.releaseHandles(new GraphLayout(graph).root());
  }

  /** The graph's handle while this engine holds it (owns it, or is taking it over), or null. */
  OpenGraph handleOf(GraphId graph) {
    return graphs.get(graph);
  }

  /** The owner state of a graph this engine owns, or null. */
  private OwnedGraph ownedOf(GraphId graph) {
    OpenGraph handle = graphs.get(graph);
    return handle == null ? null : handle.owned();
  }

  /** Records the owner state of a graph (its handle is the one holding the state's log). */
  private void own(GraphId graph, OwnedGraph state) {
    graphs.computeIfAbsent(graph, g -> new OpenGraph(state.log())).own(state);
  }

  /** Forgets that this engine owns a graph; its caches stay (they are checked by version). */
  private void disown(GraphId graph) {
    OpenGraph handle = graphs.get(graph);
    if (handle != null) {
      handle.disown();
    }
  }

  /**
   * The manifest log of a graph: its handle's while the engine holds the graph, otherwise a
   * transient one (reads of graphs this engine does not own cache nothing here).
   */
  private ManifestLog logOf(GraphId graph) {
    OpenGraph handle = graphs.get(graph);
    return handle != null ? handle.log() : new ManifestLog(store, graph);
  }

  /**
   * The version of the graph's manifest this engine last published or read as its owner, or -1 when
   * it does not own the graph.
   */
  public long ownedVersion(GraphId graph) {
    OwnedGraph current = ownedOf(graph);
    return current == null ? -1 : current.manifest().version();
  }

  /** Whether a graph exists (has a published manifest). */
  public boolean exists(GraphId graph) {
    return logOf(graph).latest().isPresent();
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  /** Creates a graph with the given schema (version 1). */
  public Manifest createGraph(GraphId graph, String schemaSource) {
    BatchResult result =
        apply(
            graph,
            List.of(
                new GraphEvent(
                    graph.value(),
                    "create-" + UUID.randomUUID(),
                    null,
                    null,
                    new EventBody.SchemaChange(schemaSource))));
    EventResult event = result.events().get(0);
    if (event.status() != EventResult.Status.APPLIED) {
      throw new EventRejectedException(event.code(), event.message());
    }
    return logOf(graph).require();
  }

  /**
   * Applies a batch of events to one graph. Events already applied (source offset below the graph's
   * recorded next offset) are skipped; each remaining event is applied whole or rejected with a
   * typed reason, and the applied ones become visible in one manifest version. A batch is split at
   * schema events, which publish on their own.
   *
   * @throws FencedException if another owner took the graph over; stop writing it
   */
  public BatchResult apply(GraphId graph, List<GraphEvent> events) {
    for (GraphEvent event : events) {
      if (!event.graph().equals(graph.value())) {
        throw new IllegalArgumentException(
            "event " + event.eventId() + " is for graph " + event.graph() + ", not " + graph);
      }
    }
    List<EventResult> results = new ArrayList<>();
    long version = -1;
    int start = 0;
    while (start < events.size()) {
      int end = start;
      if (events.get(start).body() instanceof EventBody.SchemaChange) {
        end = start + 1;
      } else {
        while (end < events.size() && !(events.get(end).body() instanceof EventBody.SchemaChange)) {
          end++;
        }
      }
      List<GraphEvent> segment = events.subList(start, end);
      BatchResult part;
      try {
        part =
            segment.get(0).body() instanceof EventBody.SchemaChange
                ? applySchema(graph, segment.get(0))
                : applyData(graph, segment);
      } catch (RuntimeException e) {
        // Whatever happened, the next write re-opens the graph: it sweeps (under the same
        // epoch) before anything else. A fenced engine stops writing the graph.
        OwnedGraph current = ownedOf(graph);
        if (e instanceof FencedException || current == null) {
          disown(graph);
        } else {
          own(graph, current.failed());
        }
        throw e;
      }
      results.addAll(part.events());
      version = Math.max(version, part.manifestVersion());
      start = end;
    }
    collectIfDue(graph);
    return new BatchResult(graph.value(), version, results);
  }

  /**
   * Starts a retention run of {@code graph} on the retention thread when the schedule says one is
   * due: this engine owns the graph, no run of it is going, and the last one started at least the
   * schedule's period ago (the first comes with the first batch after a takeover). The graph's
   * writes do not wait for it: {@link GraphGc} removes only what no writer, sweep or reader of a
   * kept version can reach (docs/storage.md, "Housekeeping").
   */
  private void collectIfDue(GraphId graph) {
    if (retentionRunner == null) {
      return;
    }
    OpenGraph handle = graphs.get(graph);
    if (handle == null
        || handle.owned() == null
        || !handle.startCollection(clock.instant(), maintenance.retention().every())) {
      return;
    }
    try {
      retentionRunner.execute(() -> collect(graph, handle));
    } catch (RejectedExecutionException closed) {
      handle.collectionDone();
    }
  }

  private void collect(GraphId graph, OpenGraph handle) {
    long started = System.nanoTime();
    try {
      GcReport report = gc.collect(handle.log(), maintenance.retention().policy(), false);
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      long versions = report.tables().stream().mapToLong(GcReport.TableGc::versionsRemoved).sum();
      long orphans = report.tables().stream().mapToLong(GcReport.TableGc::orphansRemoved).sum();
      if (report.bytesFreed() > 0 || report.manifests().count() > 0) {
        LOG.info(
            "graph {}: retention kept versions {} to {}; dropped {} manifest versions, {} table"
                + " versions and {} staged files, {} bytes, in {} ms",
            graph,
            report.oldestKept(),
            report.latestVersion(),
            report.manifests().count(),
            versions,
            orphans,
            report.bytesFreed(),
            took.toMillis());
      }
      if (stillHeld(graph, handle)) {
        listener.collected(graph, report, took);
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "graph {}: a retention run failed (the next one, in {}, tries again): {}",
          graph,
          maintenance.retention().every(),
          e.toString());
      if (stillHeld(graph, handle)) {
        listener.collectionFailed(graph, e);
      }
    } finally {
      handle.collectionDone();
    }
  }

  /**
   * Whether {@code handle} is still this engine's handle of the graph: a run that outlived the
   * graph's release is not reported, so an observer does not take the graph for one it still
   * writes.
   */
  private boolean stillHeld(GraphId graph, OpenGraph handle) {
    return graphs.get(graph) == handle;
  }

  private OwnedGraph ownedOrNull(GraphId graph) {
    OwnedGraph current = ownedOf(graph);
    if (current != null && current.dirty()) {
      return reopen(graph, current).graph();
    }
    if (current != null) {
      return current;
    }
    if (!exists(graph)) {
      return null;
    }
    takeOver(graph);
    return ownedOf(graph);
  }

  private BatchResult applyData(GraphId graph, List<GraphEvent> events) {
    OwnedGraph current = ownedOrNull(graph);
    if (current == null) {
      List<EventResult> rejected = new ArrayList<>();
      for (GraphEvent e : events) {
        rejected.add(
            EventResult.rejected(
                e.eventId(),
                e.source(),
                RejectionCode.UNKNOWN_GRAPH,
                "graph " + graph + " does not exist; create it with a schema event"));
      }
      return new BatchResult(graph.value(), -1, rejected);
    }
    try {
      return stageAndCommit(graph, current, events);
    } catch (TableMovedException drift) {
      // A table moved under its pin before anything of ours was committed. If a newer owner has
      // claimed the graph since, it is the one writing and this engine is the zombie: stop, as
      // at any fenced publish (claiming again here would fence the rightful owner).
      Manifest latest = current.log().require();
      if (latest.epoch() > current.owner().epoch()) {
        throw new FencedException(graph.value(), current.owner().epoch(), latest.epoch());
      }
      // Otherwise it was a zombie's commit, or an operator's: the owner's sweep repairs it, then
      // the batch is staged again.
      LOG.warn("graph {}: {}; sweeping and retrying the batch once", graph, drift.getMessage());
      return stageAndCommit(graph, reopen(graph, current).graph(), events);
    }
  }

  private BatchResult stageAndCommit(GraphId graph, OwnedGraph current, List<GraphEvent> events) {
    Manifest base = current.manifest();
    List<EventResult> results = new ArrayList<>(events.size());
    List<GraphEvent> fresh = new ArrayList<>();
    List<GraphEvent> processed = new ArrayList<>();
    int[] slots = new int[events.size()];
    boolean[] replayed = new boolean[events.size()];
    for (int i = 0; i < events.size(); i++) {
      GraphEvent event = events.get(i);
      slots[i] = -1;
      if (alreadyApplied(base, event.source())) {
        results.add(
            beforeCreation(current, event)
                ? rejectedBeforeCreation(graph, event)
                : EventResult.skipped(event.eventId(), event.source()));
        replayed[i] = true;
        continue;
      }
      processed.add(event);
      try {
        GraphEvent inline = loadFiles.inline(event);
        results.add(null);
        slots[i] = fresh.size();
        fresh.add(inline);
      } catch (EventRejectedException e) {
        results.add(
            EventResult.rejected(event.eventId(), event.source(), e.code(), e.getMessage()));
      }
    }
    if (processed.isEmpty()) {
      return new BatchResult(graph.value(), -1, results);
    }
    GraphSchema schema = schemaOf(base);
    OpenGraph handle = graphs.get(graph);
    BatchStaging staging =
        new BatchStaging(
            graph.value(),
            schema,
            base,
            tables,
            (path, version, keyColumn) -> handle.keyIndex(tables, path, version, keyColumn));
    List<EventResult> staged = staging.stage(fresh);
    for (int i = 0; i < events.size(); i++) {
      if (slots[i] >= 0) {
        results.set(i, staged.get(slots[i]));
      }
    }
    long applied = staged.stream().filter(r -> r.status() == EventResult.Status.APPLIED).count();
    CommitPlan plan =
        new CommitPlan(
            SidecarKind.MUTATION,
            staging.stagedWrites(),
            null,
            null,
            nextOffsets(base, processed),
            commitInfo(CommitKind.MUTATION, processed, applied)
                .withRejected(rejectedOf(results, replayed)));
    Manifest published = guarded.commit(current.log(), base, current.owner(), plan);
    own(graph, current.at(published));
    Map<String, BatchStaging.KeyChange> keyChanges = staging.keyChanges();
    for (TableWrite write : plan.writes()) {
      Optional<TablePin> pin = published.table(write.key());
      if (pin.isPresent()) {
        handle.advanceKeys(
            tables, write.staged(), pin.get().version(), keyChanges.get(write.staged().table()));
        handle.advanceStats(write.staged(), pin.get().version(), maintenance.smallFragmentRows());
      }
    }
    compactIfNeeded(graph, keyChanges.keySet(), compactionStager != null);
    return new BatchResult(graph.value(), published.version(), results);
  }

  /**
   * Compacts every table of the graph that the maintenance policy says needs it, each as its own
   * sidecar-guarded publish (kind MAINTENANCE): the live rows of the table's small and heavily
   * deleted fragments are rewritten into few fragments without deletion files, committed at exactly
   * pin + 1 like any other write; large fragments stay as they are.
   *
   * @return the tables compacted
   */
  public List<String> maintain(GraphId graph) {
    OwnedGraph current = ownedOrNull(graph);
    if (current == null) {
      throw new io.ingraft.storage.manifest.GraphNotFoundException(graph.value());
    }
    Set<String> paths = new HashSet<>();
    current.manifest().tables().values().forEach(pin -> paths.add(pin.path()));
    return compactIfNeeded(graph, paths, false);
  }

  /**
   * After a publish: commits the compactions staged in the background that are done, then compacts
   * the tables among {@code paths} that need it, starting their staging in the background when
   * {@code background} (at most one compaction per table at a time), inline otherwise.
   */
  private List<String> compactIfNeeded(GraphId graph, Set<String> paths, boolean background) {
    List<String> compacted = new ArrayList<>();
    OpenGraph handle = graphs.get(graph);
    for (Map.Entry<String, TablePin> entry : ownedOf(graph).manifest().tables().entrySet()) {
      TablePin pin = entry.getValue();
      OpenGraph.StagingCompaction staging = handle.stagingCompaction(pin.path());
      if (staging != null) {
        // An operator's maintain (not background) waits for it; a batch does not.
        if (staging.staged().isDone() || !background) {
          handle.forgetCompaction(pin.path());
          if (commitStaged(graph, handle, entry.getKey(), pin, staging)) {
            compacted.add(entry.getKey());
          }
        }
        continue;
      }
      if (!paths.contains(pin.path())
          || !maintenance.needsCompaction(
              pin.path(), handle.statsOf(tables, pin, maintenance.smallFragmentRows()))) {
        continue;
      }
      long started = System.nanoTime();
      if (background && !handle.compactsInline(pin.path())) {
        Future<Optional<StagedWrite>> staged;
        try {
          staged =
              compactionStager.submit(
                  () ->
                      tables.stageCompaction(
                          pin.path(),
                          pin.version(),
                          maintenance.smallFragmentRows(),
                          maintenance.maxDeletedShare()));
        } catch (RejectedExecutionException e) {
          continue; // the engine is closing: the table is compacted after its next start
        }
        handle.startCompaction(
            pin.path(), new OpenGraph.StagingCompaction(pin.version(), started, staged));
        continue;
      }
      Optional<StagedWrite> compaction =
          tables.stageCompaction(
              pin.path(),
              pin.version(),
              maintenance.smallFragmentRows(),
              maintenance.maxDeletedShare());
      if (compaction.isPresent()) {
        publishCompaction(graph, handle, entry.getKey(), compaction.get(), started, started);
        compacted.add(entry.getKey());
      }
    }
    return compacted;
  }

  /**
   * Commits a compaction staged in the background, moved to the table's pinned version; when it
   * failed, or a fragment it replaces changed since it was staged, nothing is committed (its files
   * are orphans, removed by gc) and the table's compactions run inline from then on while this
   * engine holds the graph: a table whose batches update or delete rows would otherwise have most
   * of its background rewrites thrown away.
   *
   * @return whether it was published
   */
  private boolean commitStaged(
      GraphId graph,
      OpenGraph handle,
      String tableKey,
      TablePin pin,
      OpenGraph.StagingCompaction staging) {
    Optional<StagedWrite> staged;
    try {
      staged = staging.staged().get();
    } catch (ExecutionException | CancellationException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      LOG.warn(
          "graph {}: staging a compaction of {} at version {} failed; its compactions run inline"
              + " from now on",
          graph,
          tableKey,
          staging.readVersion(),
          cause);
      handle.compactInline(pin.path());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    if (staged.isEmpty()) {
      return false;
    }
    long laneWaitFrom = System.nanoTime();
    if (laneWaitFrom - staging.startedNanos() > STALE_COMPACTION.toNanos()) {
      // Its files have been unreferenced since it was staged (the graph had no batch to commit it
      // with): gc may have taken them for orphans, so it is not committed; the table compacts
      // again.
      LOG.info(
          "graph {}: the compaction of {} staged at version {} is older than {}; dropped",
          graph,
          tableKey,
          staging.readVersion(),
          STALE_COMPACTION);
      return false;
    }
    Optional<StagedWrite> rebased = tables.rebaseCompaction(staged.get(), pin.version());
    if (rebased.isEmpty()) {
      LOG.info(
          "graph {}: the compaction of {} staged at version {} no longer applies at {} (its"
              + " fragments changed); its compactions run inline from now on",
          graph,
          tableKey,
          staging.readVersion(),
          pin.version());
      handle.compactInline(pin.path());
      return false;
    }
    publishCompaction(graph, handle, tableKey, rebased.get(), staging.startedNanos(), laneWaitFrom);
    return true;
  }

  /**
   * Publishes one table's staged compaction as its own MAINTENANCE version: sidecar-guarded, at
   * exactly pin + 1 like any other write; {@code started} is when its staging began, {@code
   * laneWaitFrom} when the graph's writes began to wait for it (the same, inline; the rebase and
   * commit only, staged in the background).
   */
  private void publishCompaction(
      GraphId graph,
      OpenGraph handle,
      String tableKey,
      StagedWrite staged,
      long started,
      long laneWaitFrom) {
    OwnedGraph current = ownedOf(graph);
    CommitPlan plan =
        new CommitPlan(
            SidecarKind.MAINTENANCE,
            List.of(new TableWrite(tableKey, staged)),
            null,
            null,
            Map.of(),
            new CommitInfo(CommitKind.MAINTENANCE, "pending", 0, null, null, writerId, false));
    Manifest published = guarded.commit(current.log(), current.manifest(), current.owner(), plan);
    own(graph, current.at(published));
    // Same keys, moved rows: remap the key index instead of rebuilding it.
    handle.advanceKeys(
        tables,
        staged,
        published.table(tableKey).orElseThrow().version(),
        new BatchStaging.KeyChange(List.of(), Set.of()));
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    LOG.info(
        "graph {}: compacted {} at version {}: {} fragments ({} rows) into {} in {} ms (the"
            + " graph's writes waited {} ms)",
        graph,
        tableKey,
        published.version(),
        staged.removedFragmentIds().size(),
        staged.rowsAdded(),
        staged.newFragments().size(),
        took.toMillis(),
        (System.nanoTime() - laneWaitFrom) / 1_000_000);
    listener.compacted(graph, tableKey, published.version(), took);
  }

  private BatchResult applySchema(GraphId graph, GraphEvent event) {
    String source = ((EventBody.SchemaChange) event.body()).source();
    OwnedGraph current = ownedOrNull(graph);
    // A replayed event is skipped before it is looked at: it was applied or rejected already.
    if (current != null && alreadyApplied(current.manifest(), event.source())) {
      if (beforeCreation(current, event)) {
        return new BatchResult(
            graph.value(), -1, List.of(rejectedSchemaBeforeCreation(graph, event, source)));
      }
      return new BatchResult(
          graph.value(), -1, List.of(EventResult.skipped(event.eventId(), event.source())));
    }
    GraphSchema next;
    try {
      next = GraphSchema.parse(source);
    } catch (SchemaParseException e) {
      return rejectedSchema(graph, current, event, RejectionCode.BAD_SCHEMA, e.getMessage());
    } catch (IllegalArgumentException e) {
      return rejectedSchema(graph, current, event, RejectionCode.BAD_SCHEMA, e.getMessage());
    }
    Optional<String> tooBig = next.limitProblem();
    if (tooBig.isPresent()) {
      return rejectedSchema(graph, current, event, RejectionCode.BAD_SCHEMA, tooBig.get());
    }
    if (current == null) {
      try {
        Manifest created = create(graph, next, event);
        LOG.info(
            "graph {}: created at version {} with schema {}",
            graph,
            created.version(),
            next.hash().substring(0, 12));
        takeOver(graph);
        return new BatchResult(
            graph.value(),
            created.version(),
            List.of(EventResult.applied(event.eventId(), event.source())));
      } catch (GraphAlreadyExistsException raced) {
        current = ownedOrNull(graph);
      }
    }
    Manifest base = current.manifest();
    if (alreadyApplied(base, event.source())) {
      return new BatchResult(
          graph.value(), -1, List.of(EventResult.skipped(event.eventId(), event.source())));
    }
    GraphSchema old = schemaOf(base);
    List<SchemaChange> changes;
    try {
      changes = SchemaEvolution.check(old, next);
    } catch (IncompatibleSchemaChangeException e) {
      return rejectedSchema(
          graph, current, event, RejectionCode.INCOMPATIBLE_SCHEMA, e.getMessage());
    }
    SchemaRef ref = writeSchema(graph, next);
    SchemaCatalog catalog = new SchemaCatalog(next);
    List<TableWrite> writes = new ArrayList<>();
    GraphLayout layout = new GraphLayout(graph);
    Set<TableKey> rewritten = new HashSet<>();
    for (SchemaChange change : changes) {
      TableKey key = change.table();
      if (change instanceof SchemaChange.AddedNodeType
          || change instanceof SchemaChange.AddedEdgeType) {
        writes.add(
            new TableWrite(
                key.value(),
                tables.stageCreate(
                    layout.tablePath(key),
                    catalog.arrowSchema(key).orElseThrow(),
                    keyColumn(next, key))));
      } else if (change instanceof SchemaChange.AddedProperty && rewritten.add(key)) {
        TablePin pin = base.table(key.value()).orElseThrow();
        writes.add(
            new TableWrite(
                key.value(),
                tables.stageRewrite(
                    pin.path(), pin.version(), catalog.arrowSchema(key).orElseThrow())));
      }
    }
    CommitPlan plan =
        new CommitPlan(
            SidecarKind.SCHEMA_APPLY,
            writes,
            ref,
            null,
            nextOffsets(base, List.of(event)),
            commitInfo(CommitKind.SCHEMA_APPLY, List.of(event), 1));
    Manifest published = guarded.commit(current.log(), base, current.owner(), plan);
    own(graph, current.at(published));
    LOG.info(
        "graph {}: schema {} applied at version {} ({} changes)",
        graph,
        next.hash().substring(0, 12),
        published.version(),
        changes.size());
    return new BatchResult(
        graph.value(),
        published.version(),
        List.of(EventResult.applied(event.eventId(), event.source())));
  }

  /**
   * Version 1 of a graph: the schema file, one empty table per type, the first manifest. Tables are
   * created before the manifest exists, so a crash leaves only unreferenced tables, which the next
   * attempt overwrites (a staged create over an orphan).
   */
  private Manifest create(GraphId graph, GraphSchema schema, GraphEvent event) {
    SchemaRef ref = writeSchema(graph, schema);
    SchemaCatalog catalog = new SchemaCatalog(schema);
    GraphLayout layout = new GraphLayout(graph);
    String operationId = UUID.randomUUID().toString();
    ManifestChange.Builder change =
        ManifestChange.builder(
            new WriterEpoch(writerId, 0),
            commitInfo(CommitKind.CREATE, List.of(event), 1).withOperationId(operationId));
    change.schema(ref);
    for (Map.Entry<TableKey, org.apache.arrow.vector.types.pojo.Schema> table :
        catalog.tables().entrySet()) {
      String path = layout.tablePath(table.getKey());
      StagedWrite staged =
          tables.stageCreate(path, table.getValue(), keyColumn(schema, table.getKey()));
      long version =
          tables.commit(
              staged,
              UUID.randomUUID(),
              Map.of(
                  GuardedCommit.PROP_GRAPH,
                  graph.value(),
                  GuardedCommit.PROP_OPERATION,
                  operationId));
      change.pin(table.getKey().value(), new TablePin(path, version, 0));
    }
    nextOffsets(null, List.of(event)).forEach(change::source);
    return logOf(graph).create(change.build());
  }

  private static String keyColumn(GraphSchema schema, TableKey table) {
    String name = table.value().substring(table.value().indexOf('/') + 1);
    return table.value().startsWith("nodes/")
        ? schema.nodeType(name).orElseThrow().key().name()
        : SchemaCatalog.EDGE_ID;
  }

  private SchemaRef writeSchema(GraphId graph, GraphSchema schema) {
    String key = new GraphLayout(graph).schemaKey(schema.hash());
    try {
      store.putIfAbsent(key, schema.source().getBytes(StandardCharsets.UTF_8));
    } catch (ObjectAlreadyExistsException sameContent) {
      // Content-addressed: an existing file holds exactly this schema.
    }
    schemas.put(schema.hash(), schema);
    return new SchemaRef(schema.hash(), key);
  }

  /**
   * A refused schema event. Of an existing graph it is recorded like a batch of refused mutations:
   * a version that only advances the event's source offset, so that a replay skips it instead of
   * refusing (and dead-lettering) it again, and so that an event the writer committed past is never
   * mistaken for a lost one (docs/semantics.md, "Replays"). Without a graph, or without a source
   * position, there is nothing to record.
   */
  private BatchResult rejectedSchema(
      GraphId graph, OwnedGraph current, GraphEvent event, RejectionCode code, String message) {
    EventResult rejected = EventResult.rejected(event.eventId(), event.source(), code, message);
    if (current == null || event.source() == null) {
      return new BatchResult(graph.value(), -1, List.of(rejected));
    }
    Manifest base = current.manifest();
    CommitPlan plan =
        new CommitPlan(
            SidecarKind.MUTATION,
            List.of(),
            null,
            null,
            nextOffsets(base, List.of(event)),
            commitInfo(CommitKind.MUTATION, List.of(event), 0)
                .withRejected(rejectedOf(List.of(rejected), new boolean[1])));
    Manifest published = guarded.commit(current.log(), base, current.owner(), plan);
    own(graph, current.at(published));
    return new BatchResult(graph.value(), published.version(), List.of(rejected));
  }

  /**
   * Whether an event that the manifest counts as done came before the graph existed: it was
   * rejected then (no manifest could record it), so a replay rejects it again, the same way,
   * instead of skipping it. That keeps its dead letter deterministic, which is what lets the writer
   * send it exactly once.
   */
  private static boolean beforeCreation(OwnedGraph current, GraphEvent event) {
    SourcePosition source = event.source();
    if (current == null || source == null) {
      return false;
    }
    Long created = current.createdAt().get(source.partition());
    // createdAt records the next offset after the creating event.
    return created != null && source.offset() < created - 1;
  }

  private static EventResult rejectedBeforeCreation(GraphId graph, GraphEvent event) {
    return EventResult.rejected(
        event.eventId(),
        event.source(),
        RejectionCode.UNKNOWN_GRAPH,
        "graph " + graph + " does not exist; create it with a schema event");
  }

  /** A schema event before the graph's creation was refused then: refuse it the same way. */
  private static EventResult rejectedSchemaBeforeCreation(
      GraphId graph, GraphEvent event, String source) {
    try {
      GraphSchema.parse(source);
    } catch (SchemaParseException | IllegalArgumentException e) {
      return EventResult.rejected(
          event.eventId(), event.source(), RejectionCode.BAD_SCHEMA, e.getMessage());
    }
    return rejectedBeforeCreation(graph, event);
  }

  /** The rejections a version records: not those of replayed events (an earlier read's). */
  private static List<RejectedEvent> rejectedOf(List<EventResult> results, boolean[] replayed) {
    List<RejectedEvent> rejected = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      EventResult result = results.get(i);
      if (result != null
          && !replayed[i]
          && result.status() == EventResult.Status.REJECTED
          && result.source() != null) {
        rejected.add(
            new RejectedEvent(
                result.eventId(),
                result.code().name(),
                result.message(),
                result.source().offset()));
      }
    }
    return rejected;
  }

  private static boolean alreadyApplied(Manifest manifest, SourcePosition source) {
    return source != null && source.offset() < manifest.nextOffset(source.partition());
  }

  private static Map<String, Long> nextOffsets(Manifest base, List<GraphEvent> events) {
    Map<String, Long> next = new HashMap<>();
    // A batch's events come in runs of one partition: fold each run in primitives, then merge.
    String partition = null;
    long runNext = 0;
    for (GraphEvent event : events) {
      SourcePosition source = event.source();
      if (source == null) {
        continue;
      }
      if (!source.partition().equals(partition)) {
        if (partition != null) {
          next.merge(partition, runNext, Math::max);
        }
        partition = source.partition();
        runNext = base == null ? 0 : base.nextOffset(partition);
      }
      runNext = Math.max(runNext, source.offset() + 1);
    }
    if (partition != null) {
      next.merge(partition, runNext, Math::max);
    }
    return next;
  }

  private CommitInfo commitInfo(CommitKind kind, List<GraphEvent> events, long applied) {
    boolean any = false;
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    CdcPosition cdc = null;
    for (GraphEvent event : events) {
      if (event.cdc() != null) {
        // Events come in source order: the last one's position is the one the version reflects.
        cdc = event.cdc();
      }
      if (event.source() != null) {
        long offset = event.source().offset();
        any = true;
        first = Math.min(first, offset);
        last = Math.max(last, offset);
      }
    }
    return new CommitInfo(
        kind, "pending", applied, any ? first : null, any ? last : null, writerId, false, cdc);
  }

  // ---------------------------------------------------------------------------------------------
  // Caches

  /** The schema a manifest version uses (content-addressed, so cached by hash forever). */
  GraphSchema schemaOf(Manifest manifest) {
    SchemaRef ref =
        manifest
            .schemaRef()
            .orElseThrow(
                () -> new IllegalStateException("graph " + manifest.graph() + " has no schema"));
    return schemas.computeIfAbsent(ref.hash(), hash -> GraphSchema.parse(store.read(ref.path())));
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /** The latest published state of a graph. */
  public GraphSnapshot snapshot(GraphId graph) {
    return snapshotOf(logOf(graph).require());
  }

  /**
   * Manifest version {@code version} of a graph: the one this engine just published when it is that
   * version (no read), otherwise read from the manifest log.
   */
  public Manifest manifest(GraphId graph, long version) {
    OwnedGraph current = ownedOf(graph);
    if (current != null && current.manifest().version() == version) {
      return current.manifest();
    }
    return logOf(graph).read(version);
  }

  /**
   * The manifest version {@code selector} picks (latest, exact, as of a time, covering a graph-log
   * offset, as of a CDC position); see {@link ManifestLog#resolve} for its typed errors.
   */
  public Manifest resolve(GraphId graph, VersionSelector selector) {
    return logOf(graph).resolve(selector);
  }

  /** The graph as of the version {@code selector} picks (see {@link #resolve}). */
  public GraphSnapshot snapshot(GraphId graph, VersionSelector selector) {
    return snapshotOf(resolve(graph, selector));
  }

  /** The graph as of a manifest version. */
  public GraphSnapshot snapshotAt(GraphId graph, long version) {
    return snapshotOf(logOf(graph).read(version));
  }

  /** The graph as of a time: the newest version published at or before it. */
  public Optional<GraphSnapshot> snapshotAsOf(GraphId graph, Instant time) {
    return logOf(graph).asOf(time).map(this::snapshotOf);
  }

  /** The graph as of a source offset: the first version in which that event is applied. */
  public Optional<GraphSnapshot> snapshotAtOffset(GraphId graph, String partition, long offset) {
    return logOf(graph).firstCovering(partition, offset).map(this::snapshotOf);
  }

  /**
   * The graph as of a CDC source position ({@code lsn}): the newest version that reflects the
   * source at or before it, or empty if none does (see {@link ManifestLog#asOfCdc}).
   */
  public Optional<GraphSnapshot> snapshotAsOfCdc(GraphId graph, long lsn) {
    return logOf(graph).asOfCdc(lsn).map(this::snapshotOf);
  }

  private GraphSnapshot snapshotOf(Manifest manifest) {
    return new GraphSnapshot(manifest, schemaOf(manifest), tables);
  }
}
