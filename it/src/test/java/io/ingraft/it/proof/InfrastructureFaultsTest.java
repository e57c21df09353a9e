package io.ingraft.it.proof;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.kafka.LocalKafkaBroker;
import io.ingraft.app.writer.GraphWriter;
import io.ingraft.app.writer.WriterStats;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.storage.testing.S3ProxyServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Faults of the infrastructure that are not crashes: the writer keeps running through them, retries
 * (no graph stops, no manifest version per attempt), and once the fault is gone every graph equals
 * its model, {@code graph verify} passes and the side outputs are exactly once.
 *
 * <p>The broker stopped: a child-process broker ({@link LocalKafkaBroker}) on fixed ports is
 * stopped for 30 s while the writer applies a chunk of the log, and restarted on the same ports and
 * log directory.
 *
 * <p>The S3 server stopped: the graphs' storage root is {@code s3://} on an s3proxy of the test's
 * own (objects as files in a directory), stopped for 20 s after the first write it refuses and
 * restarted on the same port with the same directory.
 *
 * <p>The storage volume full: the storage root is a small tmpfs (the test runs as root; it is
 * skipped where {@code mount} is refused), filled up mid-stream by a file that takes all its free
 * space, then grown with {@code mount -o remount,size=...}.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class InfrastructureFaultsTest {
  private static final Logger LOG = LoggerFactory.getLogger(InfrastructureFaultsTest.class);

  /** How long the broker stays down: the fault's length, not a wait for anything. */
  private static final Duration BROKER_DOWN = Duration.ofSeconds(30);

  /** How long the S3 server stays down, counted from the first refused write. */
  private static final Duration S3_DOWN = Duration.ofSeconds(20);

  @Test
  void aBrokerStoppedMidStreamAndRestartedLosesAndDoublesNothing(@TempDir Path dir)
      throws Exception {
    long seed = Long.getLong("ingraft.proof.seed", System.nanoTime());
    LOG.info("broker restart: seed {}", seed);
    Path brokerDir = dir.resolve("broker");
    LocalKafkaBroker.Builder builder =
        LocalKafkaBroker.builder(brokerDir).port(freePort()).controllerPort(freePort());
    LocalKafkaBroker broker = builder.start();
    try (KafkaTestBroker kafka = KafkaTestBroker.external(broker.bootstrapServers());
        ProofRig rig = new ProofRig(kafka, dir, 2)) {
      LogFeed feed = new LogFeed(rig, "b", 3, 90, 10, new Random(seed));
      GraphWriter writer =
          rig.startWriter("broker-restart", rig.engine("broker-restart"), Duration.ofSeconds(60));
      try {
        feed.sendChunk(0, 3);
        rig.awaitCommittedToEnd(() -> writer.isRunning() ? null : "the writer stopped");
        feed.sendChunk(1, 3);
        // Stopped while the writer applies the chunk: publishes go on (storage is up), the
        // transactions with their side outputs and offsets cannot.
        broker.close();
        Thread.sleep(BROKER_DOWN.toMillis());
        assertThat(writer.isRunning()).as("the writer rides the outage out").isTrue();
        broker = builder.start();
        feed.sendChunk(2, 3);
        rig.awaitCommittedToEnd(() -> writer.isRunning() ? null : "the writer stopped");
        assertThat(writer.stats().stoppedGraphs()).isEmpty();
      } finally {
        writer.close();
      }
      feed.assertExactlyOnce();
    } finally {
      broker.close();
    }
  }

  @Test
  void aFullStorageVolumeIsRetriedUntilItIsGrownAndNothingIsLostOrDoubled(
      KafkaTestBroker kafka, @TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    Assumptions.assumeTrue(
        run("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", data.toString()) == 0,
        "mount -t tmpfs is refused here");
    try {
      long seed = Long.getLong("ingraft.proof.seed", System.nanoTime());
      LOG.info("disk full: seed {}", seed);
      try (ProofRig rig = new ProofRig(kafka, dir, 2)) {
        LogFeed feed = new LogFeed(rig, "f", 3, 90, 10, new Random(seed));
        GraphWriter writer =
            rig.startWriter("disk-full", rig.engine("disk-full"), Duration.ofSeconds(60));
        try {
          feed.sendChunk(0, 3);
          rig.awaitCommittedToEnd(() -> writer.isRunning() ? null : "the writer stopped");
          long retriesBefore = writer.stats().retries();
          Path filler = data.resolve("filler");
          fill(filler);
          feed.sendChunk(1, 3);
          KafkaTestBroker.await(
              ProofRig.TIMEOUT,
              "a write refused for want of space",
              () -> writer.stats().retries() > retriesBefore + 2);
          WriterStats full = writer.stats();
          assertThat(full.stoppedGraphs()).as("a full disk is retried, not a stop").isEmpty();
          assertThat(rig.committedToEnd()).isFalse();
          // Grown: there is room again, the retries go through.
          assertThat(run("mount", "-o", "remount,size=256m", data.toString())).isZero();
          feed.sendChunk(2, 3);
          rig.awaitCommittedToEnd(() -> writer.isRunning() ? null : "the writer stopped");
          LOG.info(
              "disk full: {} retries while the volume was full",
              writer.stats().retries() - retriesBefore);
          assertThat(writer.stats().stoppedGraphs()).isEmpty();
          Files.delete(filler);
        } finally {
          writer.close();
        }
        feed.assertExactlyOnce();
      }
    } finally {
      run("umount", "-l", data.toString());
    }
  }

  @Test
  void anS3ServerStoppedMidStreamAndRestartedLosesAndDoublesNothing(
      KafkaTestBroker kafka, @TempDir Path dir) throws Exception {
    long seed = Long.getLong("ingraft.proof.seed", System.nanoTime());
    LOG.info("s3 restart: seed {}", seed);
    try (S3ProxyServer s3 = S3ProxyServer.onDisk(dir.resolve("s3"));
        ProofRig rig = new ProofRig(kafka, dir, 2, s3.config("graphs"))) {
      LogFeed feed = new LogFeed(rig, "s", 3, 90, 10, new Random(seed));
      GraphWriter writer =
          rig.startWriter("s3-restart", rig.engine("s3-restart"), Duration.ofSeconds(60));
      try {
        feed.sendChunk(0, 3);
        rig.awaitCommittedToEnd(() -> writer.isRunning() ? null : "the writer stopped");
        long retriesBefore = writer.stats().retries();
        // Stopped before the chunk arrives, so that all of it meets the outage (stopped after,
        // the writer might be done first): every storage call is refused while the broker is up,
        // so nothing is published and no offset committed until the server is back.
        s3.stop();
        feed.sendChunk(1, 3);
        KafkaTestBroker.await(
            ProofRig.TIMEOUT,
            "a write refused by the stopped S3 server",
            () -> writer.stats().retries() > retriesBefore);
        Thread.sleep(S3_DOWN.toMillis());
        assertThat(writer.isRunning()).as("the writer rides the outage out").isTrue();
        assertThat(writer.stats().stoppedGraphs())
            .as("an S3 outage is retried, not a stop")
            .isEmpty();
        assertThat(rig.committedToEnd()).isFalse();
        s3.restart();
        feed.sendChunk(2, 3);
        rig.awaitCommittedToEnd(() -> writer.isRunning() ? null : "the writer stopped");
        LOG.info(
            "s3 restart: {} retries while the server was down",
            writer.stats().retries() - retriesBefore);
        assertThat(writer.stats().stoppedGraphs()).isEmpty();
      } finally {
        writer.close();
      }
      feed.assertExactlyOnce();
    }
  }

  /** Writes zeros to {@code file} until the volume refuses more. */
  private static void fill(Path file) throws IOException {
    byte[] block = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      while (true) {
        out.write(block);
      }
    } catch (IOException full) {
      LOG.info("volume full at {} bytes: {}", Files.size(file), full.toString());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }

  private static int run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return -1;
    }
    if (process.exitValue() != 0) {
      LOG.info("{}: exit {}: {}", String.join(" ", command), process.exitValue(), output.trim());
    }
    return process.exitValue();
  }
}
