package io.ingraft.it.proof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.app.cli.IngraftCli;
import io.ingraft.app.writer.EventMapper;
import io.ingraft.app.writer.GraphWriter;
import io.ingraft.engine.BatchResult;
import io.ingraft.engine.EventResult;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.recovery.AuditRecord;
import io.ingraft.recovery.RecoveryDecision;
import io.ingraft.recovery.Sidecar;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.CommitKind;
import io.ingraft.storage.manifest.FencedException;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.TablePin;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.table.TableStore;
import io.ingraft.storage.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A writer that lost its graph but still runs (a zombie) cannot publish, and the owner's result is
 * exact.
 *
 * <ul>
 *   <li>An engine whose graph another owner claimed gets {@link FencedException} on its next batch,
 *       before any effect: no version, no table commit, no sidecar.
 *   <li>A writer frozen inside the commit protocol (a {@link GatedObjectStore} holds one write, as
 *       a GC pause or a stalled disk would) loses its partitions: it is closed, its drain gives up,
 *       a new writer in the group claims the graph and goes on. Then the frozen thread resumes.
 *       Frozen after its epoch check, before its sidecar write: it must be fenced without
 *       publishing anything, and its sidecar is rolled back by the next sweep. Frozen after its
 *       table commits, before its publish: the owner's sweep rolls its batch forward (the events
 *       are applied once, by the owner's publish), and the zombie's publish is fenced. Either way
 *       the owner is never fenced and every graph is exact.
 *   <li>An operator's {@code ingraft graph recover} claims a graph under a running writer: the
 *       writer's next batch is fenced and dropped (uncommitted); after the fence grace, still
 *       holding the partition, it re-reads from its first unpublished record, claims the graph
 *       back, and the result is exact.
 * </ul>
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class ZombieTest {
  private static final Logger LOG = LoggerFactory.getLogger(ZombieTest.class);
  private static final Duration TIMEOUT = ProofRig.TIMEOUT;

  @Test
  void anEngineWhoseGraphWasClaimedByAnotherOwnerIsFencedBeforeAnyEffect(@TempDir Path dir) {
    Random random = new Random(7);
    Workload w = Workload.generate("fenced", 40, random);
    EventMapper mapper = new EventMapper("log");
    List<GraphEvent> events = new ArrayList<>();
    for (int i = 0; i < w.events.size(); i++) {
      events.add(mapper.map(w.events.get(i), 0, i));
    }
    GraphId graph = GraphId.of(w.graph);
    try (LocalObjectStore store = new LocalObjectStore(dir)) {
      TableStore tables = new TableStore(store);
      try {
        GraphEngine zombie = new GraphEngine(store, tables, "zombie", Clock.systemUTC());
        zombie.apply(graph, events.subList(0, 1));
        zombie.apply(graph, events.subList(1, 20));
        GraphEngine owner = new GraphEngine(store, tables, "owner", Clock.systemUTC());
        owner.takeOver(graph);
        Manifest claimed = new io.ingraft.storage.manifest.ManifestLog(store, graph).require();
        Map<String, Long> heads = heads(tables, claimed);

        assertThatThrownBy(() -> zombie.apply(graph, events.subList(20, 30)))
            .isInstanceOf(FencedException.class);
        Manifest after = new io.ingraft.storage.manifest.ManifestLog(store, graph).require();
        assertThat(after.version()).as("nothing published").isEqualTo(claimed.version());
        assertThat(heads(tables, after)).as("no table moved").isEqualTo(heads);
        assertThat(new io.ingraft.recovery.SidecarStore(store).list(graph))
            .as("no sidecar")
            .isEmpty();

        BatchResult rest = owner.apply(graph, events.subList(20, events.size()));
        assertThat(rest.events()).noneMatch(e -> e.status() == EventResult.Status.SKIPPED);
        java.io.StringWriter out = new java.io.StringWriter();
        owner.snapshot(graph).export(out);
        assertThat(out.toString()).isEqualTo(w.model.export());
      } finally {
        tables.close();
      }
    }
  }

  /**
   * The engine-level form of the frozen writer: a zombie engine stalls inside its commit (after its
   * epoch check, before its sidecar write), the owner claims the graph and applies the same events,
   * then the zombie resumes and finds a table moved under its pin. It must stop with {@link
   * FencedException}, not sweep and claim the graph back (which would fence the owner).
   */
  @Test
  void anEngineResumingAfterTheOwnerMovedItsTablesIsFencedAndDoesNotClaimTheGraphBack(
      @TempDir Path dir) throws Exception {
    Random random = new Random(11);
    Workload w = Workload.generate("resumed", 60, random);
    EventMapper mapper = new EventMapper("log");
    List<GraphEvent> events = new ArrayList<>();
    for (int i = 0; i < w.events.size(); i++) {
      events.add(mapper.map(w.events.get(i), 0, i));
    }
    GraphId graph = GraphId.of(w.graph);
    try (LocalObjectStore ownerStore = new LocalObjectStore(dir);
        GatedObjectStore zombieStore = new GatedObjectStore(new LocalObjectStore(dir))) {
      TableStore ownerTables = new TableStore(ownerStore);
      TableStore zombieTables = new TableStore(zombieStore);
      try {
        GraphEngine zombie =
            new GraphEngine(zombieStore, zombieTables, "zombie", Clock.systemUTC());
        zombie.apply(graph, events.subList(0, 1));
        zombie.apply(graph, events.subList(1, 20));
        zombieStore.arm(key -> key.startsWith("graphs/" + w.graph + "/_recovery/"));
        java.util.concurrent.CompletableFuture<BatchResult> late =
            java.util.concurrent.CompletableFuture.supplyAsync(
                () -> zombie.apply(graph, events.subList(20, 40)));
        assertThat(zombieStore.awaitFrozen(TIMEOUT)).isTrue();

        GraphEngine owner = new GraphEngine(ownerStore, ownerTables, "owner", Clock.systemUTC());
        owner.takeOver(graph);
        owner.apply(graph, events.subList(20, 40));
        Manifest ownersLast =
            new io.ingraft.storage.manifest.ManifestLog(ownerStore, graph).require();

        assertThat(zombieStore.release(TIMEOUT)).isTrue();
        assertThatThrownBy(
                () -> late.get(TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
            .hasCauseInstanceOf(FencedException.class);
        Manifest after = new io.ingraft.storage.manifest.ManifestLog(ownerStore, graph).require();
        assertThat(after.version())
            .as("the zombie published nothing, not even a claim")
            .isEqualTo(ownersLast.version());

        owner.apply(graph, events.subList(40, events.size()));
        assertThat(new io.ingraft.recovery.SidecarStore(ownerStore).list(graph))
            .as("the zombie's sidecar, left for the next sweep")
            .hasSize(1);
        owner.takeOver(graph);
        assertThat(new io.ingraft.recovery.SidecarStore(ownerStore).list(graph)).isEmpty();
        java.io.StringWriter out = new java.io.StringWriter();
        owner.snapshot(graph).export(out);
        assertThat(out.toString()).isEqualTo(w.model.export());
      } finally {
        zombieStore.release(Duration.ZERO);
        zombieTables.close();
        ownerTables.close();
      }
    }
  }

  private static Map<String, Long> heads(TableStore tables, Manifest manifest) {
    Map<String, Long> heads = new HashMap<>();
    for (Map.Entry<String, TablePin> pin : manifest.tables().entrySet()) {
      heads.put(pin.getKey(), tables.headVersion(pin.getValue().path()));
    }
    return heads;
  }

  @ParameterizedTest(name = "frozen at its {0} write")
  @ValueSource(strings = {"sidecar", "publish"})
  void aWriterFrozenInsideTheCommitProtocolCannotPublishAfterLosingItsGraph(
      String point, KafkaTestBroker kafka, @TempDir Path dir) throws Exception {
    long seed = Long.getLong("ingraft.proof.seed", System.nanoTime());
    LOG.info("zombie frozen at its {} write: seed {}", point, seed);
    Random random = new Random(seed);
    try (ProofRig rig = new ProofRig(kafka, dir, 2)) {
      rig.with("kafka.session.timeout.ms", "6000").with("kafka.heartbeat.interval.ms", "1000");
      LogFeed feed = new LogFeed(rig, "z", 2, 120, 10, random);
      String graph = "z0";

      GatedObjectStore zombieStore = new GatedObjectStore(new LocalObjectStore(rig.dataRoot));
      TableStore zombieTables = new TableStore(zombieStore);
      GraphEngine zombieEngine =
          new GraphEngine(zombieStore, zombieTables, "zombie", Clock.systemUTC());
      // A short drain: its close gives up on the frozen batch after 2 s.
      GraphWriter zombie =
          new GraphWriter(
              rig.config("zombie"),
              zombieEngine,
              Clock.systemUTC(),
              new GraphWriter.Options(
                  Duration.ofMillis(50),
                  Duration.ofMillis(200),
                  Duration.ofMillis(50),
                  Duration.ofSeconds(1),
                  Duration.ofSeconds(2),
                  Duration.ofSeconds(30),
                  Duration.ofSeconds(60)));
      LocalObjectStore ownerStore = new LocalObjectStore(rig.dataRoot);
      TableStore ownerTables = new TableStore(ownerStore);
      GraphWriter owner = null;
      try {
        zombie.start();
        feed.sendChunk(0, 3);
        KafkaTestBroker.await(
            TIMEOUT,
            "the first writer publishing " + graph,
            () ->
                rig.exists(graph)
                    && rig.manifests(graph).stream()
                        .anyMatch(
                            m ->
                                m.commit().actor().equals("zombie")
                                    && m.commit().kind() == CommitKind.MUTATION));
        String folder = point.equals("sidecar") ? "_recovery/" : "_manifest/";
        zombieStore.arm(key -> key.startsWith("graphs/" + graph + "/" + folder));
        feed.sendChunk(1, 3);
        assertThat(zombieStore.awaitFrozen(TIMEOUT)).as("the first writer frozen").isTrue();
        Manifest atFreeze = rig.latest(graph);
        LOG.info(
            "zombie frozen writing {} at version {}", zombieStore.frozenKey(), atFreeze.version());

        // It loses its partitions: its drain gives up on the frozen batch, it leaves the group.
        zombie.close();
        GraphEngine ownerEngine =
            new GraphEngine(ownerStore, ownerTables, "owner", Clock.systemUTC());
        owner =
            new GraphWriter(
                rig.config("owner"),
                ownerEngine,
                Clock.systemUTC(),
                ProofRig.fastOptions(Duration.ofSeconds(5)));
        owner.start();
        GraphWriter o = owner;
        String source = rig.source(0);
        KafkaTestBroker.await(
            TIMEOUT,
            "the new owner past the frozen batch",
            () -> {
              if (!o.isRunning()) {
                throw new AssertionError("the owner stopped");
              }
              Manifest latest = rig.latest(graph);
              return latest.writer().writerId().equals("owner")
                  && latest.nextOffset(source) > atFreeze.nextOffset(source);
            });

        // The zombie thaws and finishes what it was doing.
        assertThat(zombieStore.release(TIMEOUT)).as("the frozen write returned").isTrue();
        Thread frozen = zombieStore.frozenThread();
        frozen.join(TIMEOUT.toMillis());
        assertThat(frozen.isAlive()).as("the zombie's thread finished").isFalse();

        feed.sendChunk(2, 3);
        rig.awaitCommittedToEnd(() -> o.isRunning() ? null : "the owner stopped");
        owner.close();
        LOG.info("zombie test: owner {}", owner.stats());
        assertThat(owner.stats().fencedBatches()).as("the owner was never fenced").isZero();

        List<Manifest> versions = rig.manifests(graph);
        assertThat(versions.stream().filter(m -> m.version() > atFreeze.version()))
            .as("versions after the freeze")
            .allSatisfy(
                m ->
                    assertThat(m.writer().writerId())
                        .as("version %d", m.version())
                        .isNotEqualTo("zombie"));

        List<AuditRecord> audit = rig.audit(graph);
        if (point.equals("sidecar")) {
          // Fenced after its sidecar write: the sidecar waits for the next sweep, which rolls
          // it back; the operation never appears in a version.
          String op = zombieStore.frozenKey().replaceAll(".*/", "").replace(".json", "");
          assertThat(versions).noneMatch(m -> m.commit().operationId().equals(op));
          assertThat(
                  IngraftCli.execute(
                      "graph", "recover", "-g", graph, "--storage-root", rig.dataRoot.toString()))
              .isZero();
          assertThat(rig.audit(graph))
              .filteredOn(r -> r.operationId().equals(op))
              .singleElement()
              .extracting(AuditRecord::decision)
              .isEqualTo(RecoveryDecision.ROLLED_BACK);
        } else {
          // Its tables were committed: the owner's sweep rolled the batch forward.
          assertThat(audit)
              .anySatisfy(
                  r -> {
                    assertThat(r.writerId()).isEqualTo("owner");
                    assertThat(r.decision()).isEqualTo(RecoveryDecision.ROLLED_FORWARD);
                  });
        }
        // Every version has its notice, also when the owner's close swept the zombie's late
        // sidecar (under its own epoch: no claim version that nobody would send).
        feed.assertExactlyOnce();
      } finally {
        if (owner != null) {
          owner.close();
        }
        zombie.close();
        zombieStore.release(Duration.ZERO);
        zombieTables.close();
        zombieStore.close();
        ownerTables.close();
        ownerStore.close();
      }
    }
  }

  /**
   * A real process stall: the writer in a child JVM is frozen with SIGSTOP while one of its
   * operations is inside the commit protocol, long enough to be dropped from the group (3 s
   * session). A new writer takes its partitions, claims its graphs and sweeps the frozen operation.
   * Then the frozen process is continued (SIGCONT): whatever it was doing, it can no longer publish
   * with its old epoch; it rejoins the group as a new member and writes again only through a fresh
   * claim. Every graph is exact.
   */
  @Test
  void aFrozenWriterProcessIsReplacedAndCannotPublishWithItsOldEpochWhenItThaws(
      KafkaTestBroker kafka, @TempDir Path dir) throws Exception {
    long seed = Long.getLong("ingraft.proof.seed", System.nanoTime());
    LOG.info("frozen process: seed {}", seed);
    Random random = new Random(seed);
    try (ProofRig rig = new ProofRig(kafka, dir, 2)) {
      rig.with("kafka.session.timeout.ms", "3000").with("kafka.heartbeat.interval.ms", "500");
      LogFeed feed = new LogFeed(rig, "f", 2, 150, 10, random);
      List<String> graphs = feed.workloads.stream().map(w -> w.graph).toList();
      GraphWriter owner = null;
      try (ChildJvm.Running frozen =
          ChildJvm.start(ProofChildMain.class, Map.of(), rig.childArgs("writer", "frozen"))) {
        long pid = frozen.process().pid();
        java.util.function.Supplier<String> dead =
            () -> frozen.isAlive() ? null : "the writer child died:\n" + frozen.output();
        feed.sendChunk(0, 3);
        KafkaTestBroker.await(
            TIMEOUT,
            "the child publishing",
            () -> {
              assertAlive(dead);
              return graphs.stream()
                  .allMatch(
                      g ->
                          rig.exists(g)
                              && rig.manifests(g).stream()
                                  .anyMatch(m -> m.commit().kind() == CommitKind.MUTATION));
            });
        feed.sendChunk(1, 3);
        Sidecar inFlight = awaitSidecar(rig, graphs, dead);
        signal("STOP", pid);
        Manifest atFreeze = rig.latest(inFlight.graph());
        LOG.info(
            "frozen process: stopped with operation {} of {} in flight (epoch {})",
            inFlight.operationId(),
            inFlight.graph(),
            inFlight.epoch());
        try {
          owner = rig.startWriter("owner", rig.engine("owner"), Duration.ofSeconds(60));
          GraphWriter o = owner;
          KafkaTestBroker.await(
              TIMEOUT,
              "the owner claiming " + inFlight.graph(),
              () -> {
                if (!o.isRunning()) {
                  throw new AssertionError("the owner stopped");
                }
                Manifest latest = rig.latest(inFlight.graph());
                return latest.epoch() > inFlight.epoch()
                    && rig.sidecars(inFlight.graph()).stream()
                        .noneMatch(k -> k.contains(inFlight.operationId()));
              });
        } finally {
          signal("CONT", pid);
        }
        feed.sendChunk(2, 3);
        GraphWriter o = owner;
        rig.awaitCommittedToEnd(() -> !o.isRunning() ? "the owner stopped" : dead.get());
        LOG.info("frozen process: owner {}", owner.stats());

        List<Manifest> versions = rig.manifests(inFlight.graph());
        long claim =
            versions.stream()
                .filter(m -> m.version() > atFreeze.version() && m.epoch() > inFlight.epoch())
                .mapToLong(Manifest::version)
                .min()
                .orElseThrow();
        assertThat(versions)
            .filteredOn(m -> m.version() > claim)
            .as("after the owner's claim, no version carries the frozen writer's old epoch")
            .noneMatch(m -> m.epoch() == inFlight.epoch());
        assertThat(rig.audit(inFlight.graph()))
            .filteredOn(r -> r.operationId().equals(inFlight.operationId()))
            .as("the frozen operation, decided once")
            .hasSizeLessThanOrEqualTo(1);
        assertThat(
                versions.stream()
                    .filter(m -> m.commit().operationId().equals(inFlight.operationId())))
            .as("published at most once")
            .hasSizeLessThan(2);
        owner.close();
        feed.assertExactlyOnce();
      } finally {
        if (owner != null) {
          owner.close();
        }
      }
    }
  }

  private static void signal(String signal, long pid) throws Exception {
    Process kill =
        new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
            .redirectErrorStream(true)
            .start();
    assertThat(kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).as("kill -%s %d", signal, pid).isZero();
  }

  private static void assertAlive(java.util.function.Supplier<String> dead) {
    String why = dead.get();
    if (why != null) {
      throw new AssertionError(why);
    }
  }

  /** Polls until one of the graphs has an operation inside the commit protocol. */
  private static Sidecar awaitSidecar(
      ProofRig rig, List<String> graphs, java.util.function.Supplier<String> dead)
      throws InterruptedException {
    io.ingraft.recovery.SidecarStore store = new io.ingraft.recovery.SidecarStore(rig.store);
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      for (String graph : graphs) {
        for (String key : rig.sidecars(graph)) {
          java.util.Optional<Sidecar> sidecar = store.read(key);
          if (sidecar.isPresent()) {
            return sidecar.get();
          }
        }
      }
      assertAlive(dead);
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("no operation seen inside the commit protocol");
      }
      Thread.sleep(1);
    }
  }

  @Test
  void anOperatorsRecoverFencesTheRunningWriterWhichClaimsTheGraphBackAfterTheGrace(
      KafkaTestBroker kafka, @TempDir Path dir) throws Exception {
    long seed = Long.getLong("ingraft.proof.seed", System.nanoTime());
    LOG.info("operator recover: seed {}", seed);
    Random random = new Random(seed);
    try (ProofRig rig = new ProofRig(kafka, dir, 2)) {
      LogFeed feed = new LogFeed(rig, "o", 2, 100, 10, random);
      String graph = "o0";
      GraphWriter writer = rig.startWriter("writer", rig.engine("writer"), Duration.ofSeconds(2));
      try {
        feed.sendChunk(0, 2);
        rig.awaitCommittedToEnd(() -> writer.isRunning() ? null : "the writer stopped");
        assertThat(
                IngraftCli.execute(
                    "graph", "recover", "-g", graph, "--storage-root", rig.dataRoot.toString()))
            .isZero();
        Manifest claim = rig.latest(graph);
        assertThat(claim.commit().kind()).isEqualTo(CommitKind.EPOCH_CLAIM);
        assertThat(claim.writer().writerId()).isNotEqualTo("writer");

        feed.sendChunk(1, 2);
        rig.awaitCommittedToEnd(() -> writer.isRunning() ? null : "the writer stopped");
        LOG.info("operator recover: writer {}", writer.stats());
        assertThat(writer.stats().fencedBatches())
            .as("fenced by the operator's claim")
            .isPositive();
        assertThat(rig.manifests(graph))
            .as("claimed back by the writer after the claim")
            .anyMatch(
                m ->
                    m.version() > claim.version()
                        && m.commit().kind() == CommitKind.EPOCH_CLAIM
                        && m.writer().writerId().equals("writer")
                        && m.epoch() > claim.epoch());
        feed.assertExactlyOnce();
      } finally {
        writer.close();
      }
    }
  }
}
