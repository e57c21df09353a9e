package io.ingraft.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.f4b6a3.ulid.UlidCreator;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.GraphLayout;
import io.ingraft.storage.manifest.CommitInfo;
import io.ingraft.storage.manifest.CommitKind;
import io.ingraft.storage.manifest.FencedException;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestChange;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.manifest.TablePin;
import io.ingraft.storage.manifest.WriterEpoch;
import io.ingraft.storage.table.TableMovedException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sweep cases beyond the single-failpoint matrix: several sidecars, bad sidecars, zombies. */
class RecoverySweepTest {
  private Path root;
  private TwoTableGraph graph;
  private WriterEpoch owner;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "sweep-");
    graph = new TwoTableGraph(root);
    graph.create();
    owner = graph.sweep.takeOver(graph.log, "writer-1").owner();
    graph.applyBatch(owner, 1);
  }

  @AfterEach
  void tearDown() {
    Failpoints.disarmAll();
    graph.close();
  }

  @Test
  void severalSidecarsEachGetAFreshManifest() {
    // Sidecar 1: both tables committed, publish never happened -> roll forward.
    Failpoints.arm(Failpoints.AFTER_TABLE_COMMITS, Failpoints.Action.THROW);
    assertThatThrownBy(() -> graph.applyBatch(owner, 2))
        .isInstanceOf(InjectedFailureException.class);
    Failpoints.disarmAll();
    Manifest stale = graph.log.require();
    long aHead = graph.tables.headVersion(graph.path(TwoTableGraph.A));
    long bHead = graph.tables.headVersion(graph.path(TwoTableGraph.B));

    // Sidecar 2, written later: planned on the versions sidecar 1 committed (its expected version
    // equals sidecar 1's post-commit version), and never committed -> roll back, with nothing to
    // restore. Judged against the stale manifest it would look "moved" and undo sidecar 1.
    Sidecar second =
        new Sidecar(
            Sidecar.FORMAT,
            UlidCreator.getMonotonicUlid().toString(),
            TwoTableGraph.GRAPH.value(),
            SidecarKind.MUTATION,
            owner.writerId(),
            owner.epoch(),
            stale.version(),
            Instant.now(),
            List.of(
                new SidecarTable(
                    TwoTableGraph.A, graph.path(TwoTableGraph.A), aHead, UUID.randomUUID()),
                new SidecarTable(
                    TwoTableGraph.B, graph.path(TwoTableGraph.B), bHead, UUID.randomUUID())),
            null,
            null,
            Map.of(TwoTableGraph.SOURCE, 30L),
            new CommitInfo(CommitKind.MUTATION, "x", 10, 20L, 29L, "test", false));
    graph.sidecars.write(second);

    List<RecoveryOutcome> outcomes = graph.sweep.sweep(graph.log, owner);

    assertThat(outcomes)
        .extracting(RecoveryOutcome::decision)
        .containsExactly(RecoveryDecision.ROLLED_FORWARD, RecoveryDecision.ROLLED_BACK);
    assertThat(outcomes.get(1).tables()).isEmpty();
    assertThat(graph.state()).isEqualTo(TwoTableGraph.expectedAfter(2));
    assertThat(graph.sidecars.list(TwoTableGraph.GRAPH)).isEmpty();
    assertThat(graph.audit.read(TwoTableGraph.GRAPH)).hasSize(2);
  }

  @Test
  void anUnknownSidecarFormatStopsOnlyThatGraphAndKeepsTheFile() {
    String key =
        new GraphLayout(TwoTableGraph.GRAPH).recoveryDir()
            + UlidCreator.getMonotonicUlid()
            + ".json";
    byte[] content = "{\"format\": 99, \"operationId\": \"x\"}".getBytes(StandardCharsets.UTF_8);
    graph.store.putIfAbsent(key, content);

    assertThatThrownBy(() -> graph.sweep.sweep(graph.log, owner))
        .isInstanceOfSatisfying(
            SidecarFormatException.class,
            e -> {
              assertThat(e.key()).isEqualTo(key);
              assertThat(e.getMessage()).contains("unknown format 99");
            });
    assertThat(graph.store.read(key)).isEqualTo(content);

    // Another graph in the same store is unaffected.
    ManifestLog other = new ManifestLog(graph.store, GraphId.of("other"));
    other.create(
        ManifestChange.builder(new WriterEpoch("w", 0), CommitInfo.of(CommitKind.CREATE, "c", "t"))
            .build());
    RecoverySweep.TakeOver takeOver = graph.sweep.takeOver(other, "w2");
    assertThat(takeOver.outcomes()).isEmpty();
    assertThat(takeOver.owner().epoch()).isEqualTo(1);
  }

  @Test
  void aCorruptSidecarIsATypedErrorToo() {
    String key =
        new GraphLayout(TwoTableGraph.GRAPH).recoveryDir()
            + UlidCreator.getMonotonicUlid()
            + ".json";
    graph.store.putIfAbsent(
        key, "{\"format\": 1, \"operationId\": ".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> graph.sweep.sweep(graph.log, owner))
        .isInstanceOf(SidecarFormatException.class);
    assertThat(graph.store.readIfExists(key)).isPresent();
  }

  @Test
  void aZombieIsFencedAndItsLateTableCommitIsRepaired() {
    // The zombie planned batch 2 while it still owned the graph.
    Manifest zombieBase = graph.log.require();
    CommitPlan zombiePlan = graph.plan(zombieBase, 2);

    // A new owner takes the graph over (another process: its own instances on the same root).
    try (TwoTableGraph newOwner = new TwoTableGraph(root)) {
      WriterEpoch owner2 = newOwner.sweep.takeOver(newOwner.log, "writer-2").owner();
      assertThat(owner2.epoch()).isEqualTo(owner.epoch() + 1);

      // Through the protocol, the zombie is stopped before it moves any table.
      assertThatThrownBy(() -> graph.guarded.commit(graph.log, zombieBase, owner, zombiePlan))
          .isInstanceOfSatisfying(
              FencedException.class,
              e -> {
                assertThat(e.expectedEpoch()).isEqualTo(owner.epoch());
                assertThat(e.actualEpoch()).isEqualTo(owner2.epoch());
              });
      assertThat(graph.tables.headVersion(graph.path(TwoTableGraph.A)))
          .isEqualTo(zombieBase.table(TwoTableGraph.A).orElseThrow().version());

      // A zombie that passed its epoch check before the claim commits a table after it; its
      // publish is fenced, and its rows never become visible.
      TableWrite late = zombiePlan.writes().get(0);
      graph.tables.commit(late.staged(), UUID.randomUUID(), Map.of());
      assertThatThrownBy(
              () ->
                  graph.log.publish(
                      zombieBase,
                      ManifestChange.builder(
                              owner, CommitInfo.of(CommitKind.MUTATION, "zombie", "zombie"))
                          .pin(TwoTableGraph.A, new TablePin(graph.path(TwoTableGraph.A), 99, 5))
                          .build()))
          .isInstanceOf(FencedException.class);
      assertThat(newOwner.state()).isEqualTo(TwoTableGraph.expectedAfter(1));

      // The owner's next write refuses to build on the drift, before any effect ...
      assertThatThrownBy(() -> newOwner.applyBatch(owner2, 2))
          .isInstanceOf(TableMovedException.class);
      assertThat(newOwner.sidecars.list(TwoTableGraph.GRAPH)).isEmpty();
      // ... and its sweep repairs it: the table is restored to its pin and the repair audited.
      List<RecoveryOutcome> outcomes = newOwner.sweep.sweep(newOwner.log, owner2);
      assertThat(outcomes)
          .singleElement()
          .satisfies(
              o -> {
                assertThat(o.decision()).isEqualTo(RecoveryDecision.REPAIRED);
                assertThat(o.tables())
                    .singleElement()
                    .satisfies(t -> assertThat(t.table()).isEqualTo(TwoTableGraph.A));
              });
      assertThat(newOwner.state()).isEqualTo(TwoTableGraph.expectedAfter(1));
      assertThat(newOwner.audit.read(TwoTableGraph.GRAPH))
          .extracting(AuditRecord::kind)
          .contains(RecoverySweep.REPAIR_KIND);

      newOwner.applyBatch(owner2, 2);
      assertThat(newOwner.state()).isEqualTo(TwoTableGraph.expectedAfter(2));
      // The old owner cannot sweep any more either.
      assertThatThrownBy(() -> graph.sweep.sweep(graph.log, owner))
          .isInstanceOf(FencedException.class);
    }
  }

  @Test
  void aHeadBelowItsPinStopsTheSweepAndKeepsTheSidecar() {
    // A manifest that promises a version the table never reached breaks the invariant.
    Manifest m = graph.log.require();
    TablePin a = m.table(TwoTableGraph.A).orElseThrow();
    Manifest lying =
        graph.log.publish(
            m,
            ManifestChange.builder(owner, CommitInfo.of(CommitKind.MAINTENANCE, "lie", "test"))
                .pin(TwoTableGraph.A, new TablePin(a.path(), a.version() + 5, a.rowCount()))
                .build());
    Sidecar sidecar =
        new Sidecar(
            Sidecar.FORMAT,
            UlidCreator.getMonotonicUlid().toString(),
            TwoTableGraph.GRAPH.value(),
            SidecarKind.MUTATION,
            owner.writerId(),
            owner.epoch(),
            lying.version(),
            Instant.now(),
            List.of(
                new SidecarTable(TwoTableGraph.A, a.path(), a.version() + 5, UUID.randomUUID())),
            null,
            null,
            Map.of(),
            CommitInfo.of(CommitKind.MUTATION, "op", "test"));
    graph.sidecars.write(sidecar);
    long version = graph.log.require().version();

    assertThatThrownBy(() -> graph.sweep.sweep(graph.log, owner))
        .isInstanceOfSatisfying(
            SweepStoppedException.class,
            e -> {
              assertThat(e.operationId()).isEqualTo(sidecar.operationId());
              assertThat(e.table()).isEqualTo(TwoTableGraph.A);
              assertThat(e.pinned()).isEqualTo(a.version() + 5);
              assertThat(e.head()).isEqualTo(a.version());
            });
    assertThat(graph.sidecars.list(TwoTableGraph.GRAPH)).hasSize(1);
    assertThat(graph.log.require().version()).isEqualTo(version);
    assertThat(graph.audit.read(TwoTableGraph.GRAPH)).isEmpty();
  }

  @Test
  void failpointNamesAreChecked() {
    assertThatThrownBy(() -> Failpoints.arm("commit.after-stagin", Failpoints.Action.THROW))
        .isInstanceOf(UnknownFailpointException.class);
    assertThatThrownBy(() -> Failpoints.parse("nope=halt"))
        .isInstanceOf(UnknownFailpointException.class);
    assertThatThrownBy(() -> Failpoints.parse(Failpoints.AFTER_PUBLISH + "=explode"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Failpoints.parse(Failpoints.AFTER_PUBLISH + "=halt"))
        .containsEntry(Failpoints.AFTER_PUBLISH, Failpoints.Action.HALT);
    Failpoints.hit(Failpoints.AFTER_PUBLISH); // unarmed: nothing happens
  }

  @Test
  void sidecarsRoundTripThroughTheCodec() {
    SidecarCodec codec = new SidecarCodec();
    Sidecar sidecar =
        new Sidecar(
            Sidecar.FORMAT,
            UlidCreator.getMonotonicUlid().toString(),
            "g1",
            SidecarKind.LOAD,
            "w",
            3,
            7,
            Instant.parse("2026-01-01T00:00:00Z"),
            List.of(new SidecarTable("nodes/P", "graphs/g1/nodes/P.lance", 4, UUID.randomUUID())),
            null,
            java.util.Set.of("edges/E"),
            Map.of("log:1", 12L),
            new CommitInfo(CommitKind.LOAD, "op", 1, 11L, 11L, "w", false));
    assertThat(codec.decode("k", codec.encode(sidecar))).isEqualTo(sidecar);
  }
}
