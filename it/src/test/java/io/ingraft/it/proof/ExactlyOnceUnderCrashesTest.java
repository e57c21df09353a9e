package io.ingraft.it.proof;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.writer.GraphWriter;
import io.ingraft.events.EventFormat;
import io.ingraft.events.GraphEventCodec;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.recovery.AuditRecord;
import io.ingraft.recovery.Failpoints;
import io.ingraft.recovery.RecoveryDecision;
import io.ingraft.recovery.Sidecar;
import io.ingraft.recovery.SidecarStore;
import io.ingraft.recovery.SidecarTable;
import io.ingraft.storage.manifest.CommitKind;
import io.ingraft.storage.testing.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly once when the writer process dies, at every named point of the commit protocol and of the
 * recovery sweep, and at random moments.
 *
 * <p><b>Failpoint runs</b> (one per name in {@link Failpoints#PROTOCOL}): three graphs on two
 * graph-log partitions; an in-process writer applies the first part of the log and stops; then a
 * writer in a child JVM with one worker thread (so exactly one operation is in flight) and {@code
 * -Dingraft.failpoints=<name>=halt} halts (exit 86) the first time it reaches the point. The
 * on-disk state it leaves is checked against docs/protocol.md (sidecar or not, which tables moved,
 * whether the manifest already carries the operation). A sweep failpoint is reached by a second
 * child that takes the graph over with the point armed, after a first child halted where the sweep
 * must roll forward ({@code commit.after-table-commits}) or back with restores ({@code
 * commit.between-table-commits}). Then an unarmed writer finishes the log, and every graph must
 * equal its model, {@code ingraft graph verify} must pass, the applied-event counts must match, no
 * sidecar may be left, and the interrupted operation must have exactly one audit row with the
 * decision the protocol prescribes.
 *
 * <p><b>Random kills</b>: both stages ({@code IngestPipeline}, as {@code ingraft run}) in a child
 * JVM, fed Avro and JSON events of six graphs on the mutations and loads topics, killed with
 * SIGKILL at random moments several times and restarted, until everything is applied. The graph log
 * must hold every event exactly once and every graph must equal its model.
 *
 * <p>Replay a run with {@code -Dingraft.proof.seed=<n>} (the seed is logged).
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class ExactlyOnceUnderCrashesTest {
  private static final Logger LOG = LoggerFactory.getLogger(ExactlyOnceUnderCrashesTest.class);
  private static final Duration TIMEOUT = ProofRig.TIMEOUT;

  // Failpoint runs.
  private static final int FP_GRAPHS = 3;
  private static final int FP_PARTITIONS = 2;
  private static final int FP_EVENTS = 60;
  private static final int FP_WARM_UP = 20;
  private static final int FP_MAX_BATCH = 10;

  // Random kills.
  private static final int KILL_GRAPHS = 6;
  private static final int KILL_PARTITIONS = 3;
  private static final int KILL_EVENTS = 500;
  private static final int KILLS = 3;

  /**
   * For each failpoint: the failpoint the first child arms (the sweep ones need a sidecar made by a
   * crash first), and the decision the sweep must record for the interrupted operation (null: no
   * sidecar, so nothing to recover).
   */
  private record Plan(String failpoint, String firstCrash, RecoveryDecision decision) {
    boolean sweep() {
      return !failpoint.equals(firstCrash);
    }
  }

  private static final Map<String, Plan> PLANS = plans();

  private static Map<String, Plan> plans() {
    Map<String, Plan> plans = new LinkedHashMap<>();
    plans.put(
        Failpoints.AFTER_STAGING,
        new Plan(Failpoints.AFTER_STAGING, Failpoints.AFTER_STAGING, null));
    plans.put(
        Failpoints.AFTER_SIDECAR_WRITE,
        new Plan(
            Failpoints.AFTER_SIDECAR_WRITE,
            Failpoints.AFTER_SIDECAR_WRITE,
            RecoveryDecision.ROLLED_BACK));
    plans.put(
        Failpoints.BETWEEN_TABLE_COMMITS,
        new Plan(
            Failpoints.BETWEEN_TABLE_COMMITS,
            Failpoints.BETWEEN_TABLE_COMMITS,
            RecoveryDecision.ROLLED_BACK));
    plans.put(
        Failpoints.AFTER_TABLE_COMMITS,
        new Plan(
            Failpoints.AFTER_TABLE_COMMITS,
            Failpoints.AFTER_TABLE_COMMITS,
            RecoveryDecision.ROLLED_FORWARD));
    plans.put(
        Failpoints.AFTER_PUBLISH,
        new Plan(
            Failpoints.AFTER_PUBLISH, Failpoints.AFTER_PUBLISH, RecoveryDecision.ROLLED_FORWARD));
    plans.put(
        Failpoints.SWEEP_BEFORE_PUBLISH,
        new Plan(
            Failpoints.SWEEP_BEFORE_PUBLISH,
            Failpoints.AFTER_TABLE_COMMITS,
            RecoveryDecision.ROLLED_FORWARD));
    plans.put(
        Failpoints.SWEEP_AFTER_RESTORE,
        new Plan(
            Failpoints.SWEEP_AFTER_RESTORE,
            Failpoints.BETWEEN_TABLE_COMMITS,
            RecoveryDecision.ROLLED_BACK));
    plans.put(
        Failpoints.SWEEP_AFTER_PUBLISH,
        new Plan(
            Failpoints.SWEEP_AFTER_PUBLISH,
            Failpoints.AFTER_TABLE_COMMITS,
            RecoveryDecision.ROLLED_FORWARD));
    return plans;
  }

  static Stream<String> failpoints() {
    return Failpoints.PROTOCOL.stream();
  }

  @Test
  void everyFailpointOfTheCatalogHasARun() {
    // A protocol failpoint added to the catalog fails here until this suite crashes at it too
    // (the writer's side-output failpoints have their own suite, SideOutputCrashTest).
    assertThat(PLANS.keySet()).containsExactlyInAnyOrderElementsOf(Failpoints.PROTOCOL);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failpoints")
  void aWriterHaltedAtTheFailpointLeavesEveryGraphExactlyOnce(
      String failpoint, KafkaTestBroker kafka, @TempDir Path dir) throws Exception {
    Plan plan = PLANS.get(failpoint);
    assertThat(plan).as("a plan for " + failpoint).isNotNull();
    long seed = Long.getLong("ingraft.proof.seed", System.nanoTime());
    LOG.info("{}: seed {}", failpoint, seed);
    Random random = new Random(seed);
    try (ProofRig rig = new ProofRig(kafka, dir, FP_PARTITIONS)) {
      // A halted writer's partitions move on after its session times out: keep that short.
      rig.with("kafka.session.timeout.ms", "2000").with("kafka.heartbeat.interval.ms", "400");
      // Compaction above 2-3 small fragments (at 8, these short logs never compacted): staged in
      // the background as in the pipeline, committed by later batches or dropped (the table then
      // compacts inline), up to 9 compactions a run, so the failpoint can also be reached inside
      // one.
      rig.with(ProofRig.COMPACT_ABOVE, "2");
      LogFeed feed = new LogFeed(rig, "g", FP_GRAPHS, FP_EVENTS, FP_MAX_BATCH, random);
      List<Workload> workloads = feed.workloads;
      // The first part of every graph's log (through the seal after its FP_WARM_UP-th event),
      // then the rest.
      List<List<GraphLogRecord>> heads = new ArrayList<>();
      List<List<GraphLogRecord>> tails = new ArrayList<>();
      for (List<GraphLogRecord> log : feed.logs) {
        int cut = cutAfterEvents(log, FP_WARM_UP);
        heads.add(log.subList(0, cut));
        tails.add(log.subList(cut, log.size()));
      }
      feed.send(heads);
      GraphWriter warmUp =
          rig.startWriter("warm-up", rig.engine("warm-up"), Duration.ofSeconds(60));
      try {
        rig.awaitCommittedToEnd(() -> warmUp.isRunning() ? null : "the warm-up writer stopped");
      } finally {
        warmUp.close();
      }
      feed.send(tails);

      // The crash.
      haltAt(rig, plan.firstCrash(), "crashing");
      Sidecar sidecar = checkStateAfterCommitCrash(rig, workloads, plan.firstCrash());
      if (plan.sweep()) {
        haltAt(rig, plan.failpoint(), "crashing-sweep");
        checkStateAfterSweepCrash(rig, sidecar, plan.failpoint());
      }

      // An unarmed writer finishes the log.
      GraphWriter finisher =
          rig.startWriter("finisher", rig.engine("finisher"), Duration.ofSeconds(60));
      try {
        rig.awaitCommittedToEnd(() -> finisher.isRunning() ? null : "the finisher stopped");
      } finally {
        finisher.close();
      }

      feed.assertExactlyOnce();
      if (sidecar != null) {
        List<AuditRecord> rows =
            rig.audit(sidecar.graph()).stream()
                .filter(r -> r.operationId().equals(sidecar.operationId()))
                .toList();
        assertThat(rows)
            .as("audit rows of the interrupted operation %s", sidecar.operationId())
            .hasSize(1);
        assertThat(rows.get(0).decision()).isEqualTo(plan.decision());
      } else {
        assertThat(plan.decision()).isNull();
      }
      long compactions =
          workloads.stream()
              .flatMap(w -> rig.manifests(w.graph).stream())
              .filter(m -> m.commit().kind() == CommitKind.MAINTENANCE)
              .count();
      LOG.info(
          "{}: crashed in {} operation {} of graph {}: {}; {} compactions in the run",
          failpoint,
          sidecar == null ? "a staged" : sidecar.kind() + "",
          sidecar == null ? "-" : sidecar.operationId(),
          sidecar == null ? "-" : sidecar.graph(),
          plan.decision() == null ? "never happened" : plan.decision(),
          compactions);
    }
  }

  @Test
  void bothStagesKilledAtRandomMomentsLeaveEveryGraphExactlyOnce(
      KafkaTestBroker kafka, @TempDir Path dir) throws Exception {
    long seed = Long.getLong("ingraft.proof.seed", System.nanoTime());
    LOG.info("random kills: seed {}", seed);
    Random random = new Random(seed);
    GraphEventCodec codec = new GraphEventCodec();
    try (ProofRig rig = new ProofRig(kafka, dir, KILL_PARTITIONS)) {
      List<Workload> workloads = new ArrayList<>();
      for (int g = 0; g < KILL_GRAPHS; g++) {
        workloads.add(Workload.generate("k" + g, KILL_EVENTS, random));
      }
      // Slice s holds, per graph, the events with index in [bounds[s], bounds[s+1]).
      int slices = KILLS + 1;
      List<List<ProducerRecord<byte[], byte[]>>> mutationSlices = new ArrayList<>();
      List<List<ProducerRecord<byte[], byte[]>>> loadSlices = new ArrayList<>();
      int total = 0;
      for (int s = 0; s < slices; s++) {
        List<List<ProducerRecord<byte[], byte[]>>> perGraphMutations = new ArrayList<>();
        List<List<ProducerRecord<byte[], byte[]>>> perGraphLoads = new ArrayList<>();
        for (Workload w : workloads) {
          int from = w.events.size() * s / slices;
          int to = w.events.size() * (s + 1) / slices;
          List<ProducerRecord<byte[], byte[]>> m = new ArrayList<>();
          List<ProducerRecord<byte[], byte[]>> l = new ArrayList<>();
          for (GraphEvent event : w.events.subList(from, to)) {
            EventFormat format = random.nextBoolean() ? EventFormat.AVRO : EventFormat.JSON;
            boolean load = Workload.isLoad(event);
            (load ? l : m)
                .add(
                    new ProducerRecord<>(
                        load ? rig.loads : rig.mutations,
                        w.graph.getBytes(StandardCharsets.UTF_8),
                        codec.encode(event, format)));
            total++;
          }
          perGraphMutations.add(m);
          perGraphLoads.add(l);
        }
        mutationSlices.add(interleave(perGraphMutations, random));
        loadSlices.add(interleave(perGraphLoads, random));
      }

      // Loads travel on their own topic, so their order relative to mutations is not kept: the
      // schema events (the first mutations) must have created the graphs before any load.
      rig.sendAll(mutationSlices.get(0));
      int kills = 0;
      int interrupted = 0;
      for (int round = 0; round <= KILLS; round++) {
        boolean last = round == KILLS;
        try (ChildJvm.Running child =
            ChildJvm.start(
                ProofChildMain.class, Map.of(), rig.childArgs("pipeline", "pipeline-" + round))) {
          Supplier<String> dead =
              () -> child.isAlive() ? null : "the pipeline child died:\n" + child.output();
          if (round == 0) {
            KafkaTestBroker.await(
                TIMEOUT,
                "every graph created",
                () -> {
                  assertAlive(dead);
                  return workloads.stream().allMatch(w -> rig.exists(w.graph));
                });
            rig.sendAll(loadSlices.get(0));
          }
          if (!last) {
            // The next slice arrives while this instance runs, so a kill can hit stage 1 too.
            rig.sendAll(mutationSlices.get(round + 1));
            rig.sendAll(loadSlices.get(round + 1));
            long start = rig.committedSum();
            long target =
                start
                    + 1
                    + random.nextInt(
                        mutationSlices.get(round + 1).size() + loadSlices.get(round + 1).size());
            if (round % 2 == 1) {
              // This time, the moment an operation is inside the commit protocol (its sidecar
              // written, not yet cleaned up): the kill lands between tables or before a publish.
              // Watched from the send on: a writer that is behind applies a whole slice in a
              // few large batches, so waiting for progress first could leave none to catch.
              if (!awaitSidecar(rig, workloads, dead)) {
                LOG.info(
                    "random kills: the writers caught up before an operation was seen"
                        + " inside the commit protocol; killing now");
              }
            } else {
              // Kill once the writers committed a random share of that slice's worth of records.
              KafkaTestBroker.await(
                  TIMEOUT,
                  "writer progress to " + target,
                  () -> {
                    assertAlive(dead);
                    return rig.committedSum() >= target;
                  });
            }
            child.destroyForcibly();
            kills++;
            int inFlight = 0;
            for (Workload w : workloads) {
              inFlight += rig.sidecars(w.graph).size();
            }
            interrupted += inFlight;
            LOG.info(
                "random kills: killed pipeline-{} at {} committed graph-log records"
                    + " (target {}), {} operation(s) interrupted mid-protocol",
                round,
                rig.committedSum(),
                target,
                inFlight);
          } else {
            rig.awaitEventsLogged(total, dead);
            rig.awaitCommittedToEnd(dead);
          }
        }
      }

      // Stage 1: every event in the graph log exactly once, each graph's events in order.
      Map<String, List<String>> logged = new HashMap<>();
      Map<String, Long> lastEventOffset = new HashMap<>();
      Map<String, Integer> partitionOf = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> record : rig.readAll(rig.graphLog, rig.partitions)) {
        GraphLogRecord entry = rig.decodeLog(record.value());
        if (isEvent(entry)) {
          GraphEvent event = eventOf(entry);
          logged.computeIfAbsent(event.getGraph(), k -> new ArrayList<>()).add(event.getEventId());
          lastEventOffset.put(event.getGraph(), record.offset());
          partitionOf.put(event.getGraph(), record.partition());
        }
      }
      for (Workload w : workloads) {
        List<String> expected = w.events.stream().map(GraphEvent::getEventId).toList();
        List<String> got = logged.getOrDefault(w.graph, List.of());
        assertThat(got)
            .as("%s: graph log", w.graph)
            .doesNotHaveDuplicates()
            .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(got.stream().filter(id -> !isLoadId(w, id)).toList())
            .as("%s: mutations in order", w.graph)
            .isEqualTo(expected.stream().filter(id -> !isLoadId(w, id)).toList());
      }
      // Stage 2: every graph exactly once.
      for (Workload w : workloads) {
        Proofs.assertExactlyOnce(rig, w, partitionOf.get(w.graph), lastEventOffset.get(w.graph));
      }
      Proofs.assertSideOutputsExactlyOnce(rig, workloads);
      LOG.info(
          "random kills: {} events of {} graphs, {} kills ({} operations interrupted between"
              + " sidecar and cleanup), every graph exactly once",
          total,
          workloads.size(),
          kills,
          interrupted);
    }
  }

  /**
   * Polls the graphs' sidecar folders until one holds a sidecar (tight: the window is short).
   *
   * @return true when one was seen; false when the writers committed the graph log to its end first
   *     (nothing left to catch in the protocol)
   */
  private static boolean awaitSidecar(ProofRig rig, List<Workload> workloads, Supplier<String> dead)
      throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    for (int poll = 1; ; poll++) {
      for (Workload w : workloads) {
        if (!rig.sidecars(w.graph).isEmpty()) {
          return true;
        }
      }
      assertAlive(dead);
      // The offsets take a round trip to the broker: looked at every 100 polls.
      if (poll % 100 == 0 && rig.committedToEnd()) {
        return false;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            "neither an operation inside the commit protocol nor the"
                + " writers' progress to the end of the graph log was seen");
      }
      Thread.sleep(1);
    }
  }

  private static boolean isLoadId(Workload w, String id) {
    return w.events.stream().filter(e -> e.getEventId().equals(id)).anyMatch(Workload::isLoad);
  }

  private static void assertAlive(Supplier<String> dead) {
    String why = dead.get();
    if (why != null) {
      throw new AssertionError(why);
    }
  }

  private static long sum(Map<TopicPartition, Long> offsets) {
    return offsets.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The graphs' records interleaved at random, each graph's in order. */
  private static List<ProducerRecord<byte[], byte[]>> interleave(
      List<List<ProducerRecord<byte[], byte[]>>> perGraph, Random random) {
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
    int[] next = new int[perGraph.size()];
    List<Integer> open = new ArrayList<>();
    for (int g = 0; g < perGraph.size(); g++) {
      if (!perGraph.get(g).isEmpty()) {
        open.add(g);
      }
    }
    while (!open.isEmpty()) {
      int g = open.get(random.nextInt(open.size()));
      out.add(perGraph.get(g).get(next[g]++));
      if (next[g] == perGraph.get(g).size()) {
        open.remove(Integer.valueOf(g));
      }
    }
    return out;
  }

  /** Index just after the seal that closes the batch holding the graph's n-th event. */
  private static int cutAfterEvents(List<GraphLogRecord> log, int n) {
    int events = 0;
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).getEntry() instanceof LoggedEvent) {
        events++;
      } else if (events >= n) {
        return i + 1;
      }
    }
    return log.size();
  }

  /**
   * Starts a writer child with the failpoint armed and one worker thread, and waits until it halts
   * there. Fails if it exits otherwise, or gets through the whole log without reaching it.
   */
  static String haltAt(ProofRig rig, String failpoint, String writerId) throws Exception {
    rig.with("ingraft.writer.threads", "1");
    try (ChildJvm.Running child =
        ChildJvm.start(
            ProofChildMain.class,
            Map.of(Failpoints.SYSTEM_PROPERTY, failpoint + "=halt"),
            rig.childArgs("writer", writerId))) {
      KafkaTestBroker.await(
          TIMEOUT,
          "the writer child halting at " + failpoint,
          () -> {
            if (!child.isAlive()) {
              return true;
            }
            if (rig.committedToEnd()) {
              throw new AssertionError(
                  "the writer applied the whole log without reaching "
                      + failpoint
                      + ":\n"
                      + child.output());
            }
            return false;
          });
      assertThat(child.process().exitValue())
          .as("exit status; output:%n%s", child.output())
          .isEqualTo(Failpoints.HALT_STATUS);
      assertThat(child.output()).contains("failpoint " + failpoint + ": halting");
      return writerId;
    } finally {
      rig.with("ingraft.writer.threads", null);
    }
  }

  /**
   * What a halt at a commit failpoint leaves (docs/protocol.md, "What a crash leaves"); returns the
   * interrupted operation's sidecar, or null after {@code commit.after-staging}.
   */
  private static Sidecar checkStateAfterCommitCrash(
      ProofRig rig, List<Workload> workloads, String failpoint) {
    List<Sidecar> sidecars = new ArrayList<>();
    SidecarStore store = new SidecarStore(rig.store);
    for (Workload w : workloads) {
      for (String key : rig.sidecars(w.graph)) {
        sidecars.add(store.read(key).orElseThrow());
      }
    }
    if (failpoint.equals(Failpoints.AFTER_STAGING)) {
      assertThat(sidecars).as("no sidecar before the sidecar write").isEmpty();
      return null;
    }
    assertThat(sidecars).as("one operation in flight").hasSize(1);
    Sidecar sidecar = sidecars.get(0);
    List<Long> moved = new ArrayList<>();
    for (SidecarTable table : sidecar.tables()) {
      moved.add(rig.tables.headVersion(table.path()) - table.expectedVersion());
    }
    String published = rig.latest(sidecar.graph()).commit().operationId();
    switch (failpoint) {
      case Failpoints.AFTER_SIDECAR_WRITE ->
          assertThat(moved).as("no table moved").containsOnly(0L);
      case Failpoints.BETWEEN_TABLE_COMMITS ->
          assertThat(moved)
              .as("some tables committed, some not")
              .contains(0L, 1L)
              .containsOnly(0L, 1L);
      case Failpoints.AFTER_TABLE_COMMITS -> {
        assertThat(moved).as("every table committed").containsOnly(1L);
        assertThat(published).as("not yet published").isNotEqualTo(sidecar.operationId());
      }
      case Failpoints.AFTER_PUBLISH ->
          assertThat(published).as("published").isEqualTo(sidecar.operationId());
      default -> throw new IllegalArgumentException(failpoint);
    }
    return sidecar;
  }

  /** What a halt inside the sweep leaves: the sidecar still there, no audit row yet. */
  private static void checkStateAfterSweepCrash(ProofRig rig, Sidecar sidecar, String failpoint) {
    assertThat(rig.sidecars(sidecar.graph()))
        .as("the sidecar stays until the sweep is done")
        .hasSize(1);
    assertThat(rig.audit(sidecar.graph()))
        .noneMatch(r -> r.operationId().equals(sidecar.operationId()));
    assertThat(rig.latest(sidecar.graph()).epoch())
        .as("the second writer claimed the graph")
        .isGreaterThan(sidecar.epoch());
    String published = rig.latest(sidecar.graph()).commit().operationId();
    Set<Long> moved = new TreeSet<>();
    for (SidecarTable table : sidecar.tables()) {
      moved.add(rig.tables.headVersion(table.path()) - table.expectedVersion());
    }
    switch (failpoint) {
      case Failpoints.SWEEP_BEFORE_PUBLISH ->
          assertThat(published).isNotEqualTo(sidecar.operationId());
      case Failpoints.SWEEP_AFTER_PUBLISH -> {
        assertThat(published).as("rolled forward").isEqualTo(sidecar.operationId());
        assertThat(rig.latest(sidecar.graph()).commit().recovery()).isTrue();
      }
      // The committed table was restored: a new version with the pinned content.
      case Failpoints.SWEEP_AFTER_RESTORE -> assertThat(moved).contains(2L);
      default -> throw new IllegalArgumentException(failpoint);
    }
  }

  static boolean isEvent(GraphLogRecord record) {
    return record.getEntry() instanceof LoggedEvent;
  }

  static GraphEvent eventOf(GraphLogRecord record) {
    return ((LoggedEvent) record.getEntry()).getEvent();
  }
}
