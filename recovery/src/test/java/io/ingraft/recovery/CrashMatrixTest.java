package io.ingraft.recovery;

import static io.ingraft.recovery.RecoveryDecision.ROLLED_BACK;
import static io.ingraft.recovery.RecoveryDecision.ROLLED_FORWARD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.storage.manifest.WriterEpoch;
import io.ingraft.storage.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The crash matrix: a batch is interrupted at every commit-protocol failpoint, either by an
 * injected exception in this JVM or by halting a child JVM, and then a new owner takes the graph
 * over. The graph must equal "batch applied exactly once" (roll forward) or "batch not applied"
 * (roll back) exactly as the decision rule says, with no sidecar left, one audit row, a next write
 * that succeeds, and a second sweep that changes nothing.
 */
class CrashMatrixTest {
  private Path root;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "crash-");
    try (TwoTableGraph graph = new TwoTableGraph(root)) {
      graph.create();
      WriterEpoch owner = graph.sweep.takeOver(graph.log, "writer-1").owner();
      graph.applyBatch(owner, 1);
      assertThat(graph.state()).isEqualTo(TwoTableGraph.expectedAfter(1));
    }
  }

  @AfterEach
  void disarm() {
    Failpoints.disarmAll();
  }

  /** Failpoint, then what the sweep must decide (null: no sidecar was written, nothing to do). */
  static Stream<Arguments> commitFailpoints() {
    return Stream.of(
        Arguments.of(Failpoints.AFTER_STAGING, null),
        Arguments.of(Failpoints.AFTER_SIDECAR_WRITE, ROLLED_BACK),
        Arguments.of(Failpoints.BETWEEN_TABLE_COMMITS, ROLLED_BACK),
        Arguments.of(Failpoints.AFTER_TABLE_COMMITS, ROLLED_FORWARD),
        Arguments.of(Failpoints.AFTER_PUBLISH, ROLLED_FORWARD));
  }

  @ParameterizedTest(name = "{0} (throw) -> {1}")
  @MethodSource("commitFailpoints")
  void injectedFailureInTheCommitProtocol(String failpoint, RecoveryDecision expected) {
    try (TwoTableGraph writer = new TwoTableGraph(root)) {
      Failpoints.arm(failpoint, Failpoints.Action.THROW);
      WriterEpoch owner = writer.log.require().writer();
      assertThatThrownBy(() -> writer.applyBatch(owner, 2))
          .isInstanceOfSatisfying(
              InjectedFailureException.class, e -> assertThat(e.failpoint()).isEqualTo(failpoint));
      Failpoints.disarmAll();
    }
    verifyRecovery(expected);
  }

  @ParameterizedTest(name = "{0} (halt child JVM) -> {1}")
  @MethodSource("commitFailpoints")
  void haltedChildJvmInTheCommitProtocol(String failpoint, RecoveryDecision expected)
      throws Exception {
    ChildJvm.Result child =
        ChildJvm.run(
            CrashingWriterMain.class,
            Map.of(Failpoints.SYSTEM_PROPERTY, failpoint + "=halt"),
            120,
            root.toString(),
            "apply",
            "2");
    assertThat(child.exitCode()).as(child.output()).isEqualTo(Failpoints.HALT_STATUS);
    verifyRecovery(expected);
  }

  /** Sweep failpoints: the interrupted commit and whether the sweep then rolls forward or back. */
  static Stream<Arguments> sweepFailpoints() {
    return Stream.of(
        Arguments.of(
            Failpoints.SWEEP_BEFORE_PUBLISH, Failpoints.AFTER_TABLE_COMMITS, ROLLED_FORWARD),
        Arguments.of(
            Failpoints.SWEEP_AFTER_PUBLISH, Failpoints.AFTER_TABLE_COMMITS, ROLLED_FORWARD),
        Arguments.of(Failpoints.SWEEP_AFTER_RESTORE, Failpoints.BETWEEN_TABLE_COMMITS, ROLLED_BACK),
        Arguments.of(
            Failpoints.SWEEP_AFTER_PUBLISH, Failpoints.BETWEEN_TABLE_COMMITS, ROLLED_BACK));
  }

  @ParameterizedTest(name = "sweep {0} (throw) after {1} -> {2}")
  @MethodSource("sweepFailpoints")
  void injectedFailureInsideTheSweep(
      String sweepPoint, String commitPoint, RecoveryDecision expected) {
    interruptBatchTwo(commitPoint);
    try (TwoTableGraph sweeper = new TwoTableGraph(root)) {
      Failpoints.arm(sweepPoint, Failpoints.Action.THROW);
      assertThatThrownBy(() -> sweeper.sweep.takeOver(sweeper.log, "sweeper-1"))
          .isInstanceOf(InjectedFailureException.class);
      Failpoints.disarmAll();
    }
    verifyRecovery(expected);
  }

  @ParameterizedTest(name = "sweep {0} (halt child JVM) after {1} -> {2}")
  @MethodSource("sweepFailpoints")
  void haltedChildJvmInsideTheSweep(
      String sweepPoint, String commitPoint, RecoveryDecision expected) throws Exception {
    interruptBatchTwo(commitPoint);
    ChildJvm.Result child =
        ChildJvm.run(
            CrashingWriterMain.class,
            Map.of(Failpoints.SYSTEM_PROPERTY, sweepPoint + "=halt"),
            120,
            root.toString(),
            "sweep");
    assertThat(child.exitCode()).as(child.output()).isEqualTo(Failpoints.HALT_STATUS);
    verifyRecovery(expected);
  }

  @Test
  void headlineAFailureAfterEveryTableCommitRollsForward() {
    interruptBatchTwo(Failpoints.AFTER_TABLE_COMMITS);
    try (TwoTableGraph owner = new TwoTableGraph(root)) {
      RecoverySweep.TakeOver takeOver = owner.sweep.takeOver(owner.log, "writer-2");
      assertThat(takeOver.outcomes())
          .singleElement()
          .satisfies(o -> assertThat(o.decision()).isEqualTo(ROLLED_FORWARD));
      // The events of batch 2 are visible exactly once.
      assertThat(owner.state()).isEqualTo(TwoTableGraph.expectedAfter(2));
      // The next write succeeds: no expected-version mismatch, no drift.
      owner.applyBatch(takeOver.owner(), 3);
      assertThat(owner.state()).isEqualTo(TwoTableGraph.expectedAfter(3));
      assertThat(owner.tables.exists(owner.path("nodes/A").replace("nodes/A", "_audit/recoveries")))
          .isTrue();
      assertThat(owner.audit.read(TwoTableGraph.GRAPH))
          .singleElement()
          .satisfies(r -> assertThat(r.decision()).isEqualTo(ROLLED_FORWARD));
    }
  }

  private void interruptBatchTwo(String failpoint) {
    try (TwoTableGraph writer = new TwoTableGraph(root)) {
      Failpoints.arm(failpoint, Failpoints.Action.THROW);
      WriterEpoch owner = writer.log.require().writer();
      assertThatThrownBy(() -> writer.applyBatch(owner, 2))
          .isInstanceOf(InjectedFailureException.class);
      Failpoints.disarmAll();
    }
  }

  /**
   * A new owner takes over and sweeps; the graph must be batch 2 applied once (forward) or not at
   * all (back), then stay correct through the next write and a second sweep.
   */
  private void verifyRecovery(RecoveryDecision expected) {
    try (TwoTableGraph owner = new TwoTableGraph(root)) {
      RecoverySweep.TakeOver takeOver = owner.sweep.takeOver(owner.log, "writer-2");
      List<AuditRecord> audit = owner.audit.read(TwoTableGraph.GRAPH);
      int applied;
      if (expected == null) {
        assertThat(takeOver.outcomes()).isEmpty();
        assertThat(audit).isEmpty();
        applied = 1;
      } else {
        assertThat(audit).as("audit rows").hasSize(1);
        assertThat(audit.get(0).decision()).isEqualTo(expected);
        applied = expected == ROLLED_FORWARD ? 2 : 1;
      }
      assertThat(owner.state()).isEqualTo(TwoTableGraph.expectedAfter(applied));
      assertThat(owner.sidecars.list(TwoTableGraph.GRAPH)).as("sidecars left").isEmpty();

      // The next write succeeds: a rolled back batch is re-delivered, a rolled forward one is not.
      owner.applyBatch(takeOver.owner(), applied + 1);
      assertThat(owner.state()).isEqualTo(TwoTableGraph.expectedAfter(applied + 1));

      // A second sweep changes nothing and adds no audit row.
      long version = owner.log.require().version();
      assertThat(owner.sweep.sweep(owner.log, takeOver.owner())).isEmpty();
      assertThat(owner.log.require().version()).isEqualTo(version);
      assertThat(owner.audit.read(TwoTableGraph.GRAPH)).hasSameSizeAs(audit);
    }
  }
}
