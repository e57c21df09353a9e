package io.ingraft.it.proof;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.writer.GraphWriter;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.recovery.AuditRecord;
import io.ingraft.recovery.Failpoints;
import io.ingraft.recovery.Sidecar;
import io.ingraft.recovery.SidecarStore;
import io.ingraft.storage.manifest.CommitKind;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writers come and go while the graph log streams in; every graph still comes out exactly once.
 * Three writers share one group with a 6 s session timeout (heartbeat 1 s): A and C in this JVM,
 * each with its own {@code GraphEngine} over the same storage, and B in a child JVM. Eight graphs
 * on four graph-log partitions arrive in four chunks:
 *
 * <ol>
 *   <li>A and B start on chunk 1 and both publish (B joining takes partitions from A: a cooperative
 *       hand-over, A finishing and committing its running batches first);
 *   <li>C joins during chunk 2 and publishes;
 *   <li>during chunk 3, B dies the moment one of its operations is inside the commit protocol: the
 *       failpoint {@code commit.after-sidecar-write}, armed through its standard input, halts it
 *       ({@code Runtime.halt}: no shutdown hooks, no flush, like SIGKILL); after the session
 *       timeout A and C get its partitions, claim its graphs with a higher epoch and sweep the
 *       interrupted operation;
 *   <li>during chunk 4, C leaves gracefully (close) and A takes everything.
 * </ol>
 *
 * <p>Then every graph equals its model, verify passes, counts match, no sidecar is left; every
 * graph B wrote was claimed again by a survivor with a higher epoch; and the operation B left
 * mid-protocol was recovered exactly once by a survivor.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class RebalanceTest {
  private static final Logger LOG = LoggerFactory.getLogger(RebalanceTest.class);
  private static final Duration TIMEOUT = ProofRig.TIMEOUT;
  private static final int GRAPHS = 8;
  private static final int PARTITIONS = 4;
  private static final int EVENTS = 150;
  private static final int MAX_BATCH = 15;
  private static final int CHUNKS = 4;

  @Test
  void writersJoiningDyingAndLeavingMidStreamLeaveEveryGraphExactlyOnce(
      KafkaTestBroker kafka, @TempDir Path dir) throws Exception {
    long seed = Long.getLong("ingraft.proof.seed", System.nanoTime());
    LOG.info("rebalance: seed {}", seed);
    Random random = new Random(seed);
    try (ProofRig rig = new ProofRig(kafka, dir, PARTITIONS)) {
      rig.with("kafka.session.timeout.ms", "6000").with("kafka.heartbeat.interval.ms", "1000");
      LogFeed feed = new LogFeed(rig, "r", GRAPHS, EVENTS, MAX_BATCH, random);
      List<String> graphs = feed.workloads.stream().map(w -> w.graph).toList();

      GraphWriter a = rig.startWriter("writer-a", rig.engine("writer-a"), Duration.ofSeconds(60));
      GraphWriter c = null;
      Sidecar interrupted = null;
      try {
        try (ChildJvm.Running b =
            ChildJvm.start(ProofChildMain.class, Map.of(), rig.childArgs("writer", "writer-b"))) {
          Supplier<String> dead =
              () ->
                  !a.isRunning()
                      ? "writer A stopped"
                      : b.isAlive() ? null : "writer B died:\n" + b.output();
          // Each chunk is sent only once every writer meant to share it holds partitions;
          // otherwise a fast machine lets the first writer finish a chunk before the next joins.
          awaitMembers(kafka, rig.group, 2, dead);
          feed.sendChunk(0, CHUNKS);
          awaitPublishedBy(rig, graphs, "writer-a", dead);
          awaitPublishedBy(rig, graphs, "writer-b", dead);

          c = rig.startWriter("writer-c", rig.engine("writer-c"), Duration.ofSeconds(60));
          GraphWriter writerC = c;
          Supplier<String> dead3 = () -> writerC.isRunning() ? dead.get() : "writer C stopped";
          awaitMembers(kafka, rig.group, 3, dead3);
          feed.sendChunk(1, CHUNKS);
          awaitPublishedBy(rig, graphs, "writer-c", dead3);

          // B dies the moment its next operation is inside the commit protocol: a failpoint,
          // armed now through its standard input, halts it (as abruptly as SIGKILL) right after
          // the operation's sidecar is written. Watching from outside for a sidecar of B instead
          // missed every one of B's few operations of a chunk in about 1 run of 8.
          b.send("arm " + Failpoints.AFTER_SIDECAR_WRITE + " HALT");
          awaitOutput(b, "armed " + Failpoints.AFTER_SIDECAR_WRITE, dead3);
          feed.sendChunk(2, CHUNKS);
          assertThat(b.process().waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
              .as("writer B halted inside the protocol")
              .isTrue();
          assertThat(b.process().exitValue()).isEqualTo(Failpoints.HALT_STATUS);
          interrupted = sidecarOf(rig, graphs, "writer-b");
          LOG.info(
              "rebalance: writer B died with operation {} of graph {} in flight",
              interrupted.operationId(),
              interrupted.graph());
        }
        Sidecar inFlight = interrupted;

        feed.sendChunk(3, CHUNKS);
        GraphWriter writerC = c;
        // C leaves once the survivors have taken B's graphs over and made progress on chunk 4.
        Set<String> bGraphs = graphsPublishedBy(rig, graphs, "writer-b");
        KafkaTestBroker.await(
            TIMEOUT,
            "B's graphs claimed again by A or C",
            () -> {
              if (!a.isRunning() || !writerC.isRunning()) {
                throw new AssertionError("a survivor stopped");
              }
              return bGraphs.stream().allMatch(g -> claimedAfter(rig, g, "writer-b"));
            });
        c.close();
        rig.awaitCommittedToEnd(() -> a.isRunning() ? null : "writer A stopped");
        LOG.info("rebalance: A {}, C {}", a.stats(), c.stats());

        feed.assertExactlyOnce();
        for (String graph : bGraphs) {
          assertThat(claimedAfter(rig, graph, "writer-b"))
              .as("%s: claimed by a survivor with a higher epoch after B", graph)
              .isTrue();
        }
        List<AuditRecord> rows =
            rig.audit(interrupted.graph()).stream()
                .filter(r -> r.operationId().equals(inFlight.operationId()))
                .toList();
        assertThat(rows).as("the operation B left mid-protocol, recovered once").hasSize(1);
        assertThat(rows.get(0).writerId()).isIn("writer-a", "writer-c");
        LOG.info(
            "rebalance: B's graphs {}; its operation {} was recovered: {}",
            bGraphs,
            inFlight.operationId(),
            rows.get(0).decision());
      } finally {
        if (c != null) {
          c.close();
        }
        a.close();
      }
    }
  }

  /** Waits until the writer group is stable with {@code members} members, each with partitions. */
  private static void awaitMembers(
      KafkaTestBroker kafka, String group, int members, Supplier<String> dead) {
    KafkaTestBroker.await(
        TIMEOUT,
        group + " with " + members + " members holding partitions",
        () -> {
          String why = dead.get();
          if (why != null) {
            throw new AssertionError(why);
          }
          try {
            ConsumerGroupDescription description =
                kafka
                    .admin()
                    .describeConsumerGroups(List.of(group))
                    .describedGroups()
                    .get(group)
                    .get(30, java.util.concurrent.TimeUnit.SECONDS);
            return description.groupState() == GroupState.STABLE
                && description.members().size() == members
                && description.members().stream()
                    .allMatch(m -> !m.assignment().topicPartitions().isEmpty());
          } catch (Exception e) {
            return false; // not described yet: ask again
          }
        });
  }

  /** Waits until some graph has a version published by {@code writer}. */
  private static void awaitPublishedBy(
      ProofRig rig, List<String> graphs, String writer, Supplier<String> dead) {
    KafkaTestBroker.await(
        TIMEOUT,
        writer + " publishing",
        () -> {
          String why = dead.get();
          if (why != null) {
            throw new AssertionError(why);
          }
          return !graphsPublishedBy(rig, graphs, writer).isEmpty();
        });
  }

  /** The graphs with a data version (not a claim or recovery) published by {@code writer}. */
  private static Set<String> graphsPublishedBy(ProofRig rig, List<String> graphs, String writer) {
    Set<String> out = new TreeSet<>();
    for (String graph : graphs) {
      if (rig.exists(graph)
          && rig.manifests(graph).stream()
              .anyMatch(
                  m ->
                      m.commit().actor().equals(writer)
                          && m.commit().kind() != CommitKind.EPOCH_CLAIM
                          && !m.commit().recovery())) {
        out.add(graph);
      }
    }
    return out;
  }

  /** Whether someone other than {@code writer} claimed the graph after writer's last version. */
  private static boolean claimedAfter(ProofRig rig, String graph, String writer) {
    List<Manifest> versions = rig.manifests(graph);
    long lastEpoch = -1;
    for (Manifest m : versions) {
      if (m.writer().writerId().equals(writer)) {
        lastEpoch = Math.max(lastEpoch, m.epoch());
      }
    }
    long finalLastEpoch = lastEpoch;
    return versions.stream()
        .anyMatch(
            m ->
                m.commit().kind() == CommitKind.EPOCH_CLAIM
                    && !m.writer().writerId().equals(writer)
                    && m.epoch() > finalLastEpoch);
  }

  /** The sidecar {@code writer} left in the graphs (it died inside the commit protocol). */
  private static Sidecar sidecarOf(ProofRig rig, List<String> graphs, String writer) {
    SidecarStore store = new SidecarStore(rig.store);
    for (String graph : graphs) {
      if (!rig.exists(graph)) {
        continue;
      }
      for (String key : rig.sidecars(graph)) {
        Optional<Sidecar> sidecar = store.read(key);
        if (sidecar.isPresent() && sidecar.get().writerId().equals(writer)) {
          return sidecar.get();
        }
      }
    }
    throw new AssertionError(writer + " left no sidecar");
  }

  /** Waits until the child has printed {@code line}. */
  private static void awaitOutput(ChildJvm.Running child, String line, Supplier<String> dead) {
    KafkaTestBroker.await(
        TIMEOUT,
        "the child printing '" + line + "'",
        () -> {
          String why = dead.get();
          if (why != null) {
            throw new AssertionError(why);
          }
          return child.output().lines().anyMatch(line::equals);
        });
  }
}
