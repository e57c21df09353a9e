package io.ingraft.it.proof;

import io.ingraft.app.writer.GraphWriter;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.recovery.Failpoints;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead letters and commit notices exactly once when the writer dies between a publish and the
 * transaction that commits the offsets past it: one run per failpoint of {@link
 * Failpoints#SIDE_OUTPUTS}. Three graphs on two graph-log partitions, with events meant to be
 * rejected; an in-process writer applies the first part of the log; a child-JVM writer with one
 * worker halts (exit 86) at the failpoint; a second child halts inside the transaction of whatever
 * it sends first (so the takeover's re-sends are cut short too); then an unarmed writer finishes
 * the log. A {@code read_committed} consumer must then see exactly one dead letter per rejected
 * event and one commit notice per version ({@link Proofs#assertSideOutputsExactlyOnce}), and every
 * graph must equal its model.
 *
 * <p>Every writer after the warm-up has the same writer id, as a restarted process would: its
 * transactional producer then aborts what the halted one left open at once (instead of after the
 * transaction timeout), which keeps the run short.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class SideOutputCrashTest {
  private static final Logger LOG = LoggerFactory.getLogger(SideOutputCrashTest.class);

  static Stream<String> failpoints() {
    return Failpoints.SIDE_OUTPUTS.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failpoints")
  void aWriterHaltedBetweenPublishAndCommitSendsEverySideOutputExactlyOnce(
      String failpoint, KafkaTestBroker kafka, @TempDir Path dir) throws Exception {
    long seed = Long.getLong("ingraft.proof.seed", System.nanoTime());
    LOG.info("{}: seed {}", failpoint, seed);
    Random random = new Random(seed);
    try (ProofRig rig = new ProofRig(kafka, dir, 2)) {
      rig.with("kafka.session.timeout.ms", "2000").with("kafka.heartbeat.interval.ms", "400");
      LogFeed feed = new LogFeed(rig, "s", 3, 60, 10, random);
      List<List<GraphLogRecord>> heads = new ArrayList<>();
      List<List<GraphLogRecord>> tails = new ArrayList<>();
      for (List<GraphLogRecord> log : feed.logs) {
        int cut = log.size() / 3;
        while (cut < log.size() && ExactlyOnceUnderCrashesTest.isEvent(log.get(cut - 1))) {
          cut++;
        }
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

      ExactlyOnceUnderCrashesTest.haltAt(rig, failpoint, "restarted");
      ExactlyOnceUnderCrashesTest.haltAt(
          rig, Failpoints.WRITER_BEFORE_TRANSACTION_COMMIT, "restarted");

      GraphWriter finisher =
          rig.startWriter("restarted", rig.engine("restarted"), Duration.ofSeconds(60));
      try {
        rig.awaitCommittedToEnd(() -> finisher.isRunning() ? null : "the finisher stopped");
      } finally {
        finisher.close();
      }
      feed.assertExactlyOnce();
    }
  }
}
