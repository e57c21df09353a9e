package io.ingraft.it.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.cli.CdcShop;
import io.ingraft.app.local.ConnectWorker;
import io.ingraft.app.local.LocalPostgres;
import io.ingraft.app.local.Psql;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.it.proof.ProofChildMain;
import io.ingraft.storage.manifest.CdcPosition;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.testing.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CDC against the real thing, with the database as the oracle: a private PostgreSQL, the Debezium
 * PostgreSQL connector on a Connect worker (its own JVM and classpath), and Ingraft ({@code
 * IngestPipeline} with the shop's CDC mapping, as {@code ingraft run --cdc-mapping}) in a child JVM
 * that is killed with SIGKILL several times while the stream runs.
 *
 * <p>The database first holds the rows the connector's snapshot reads; then a seeded random stream
 * of transactions ({@link ShopWorkload}: several tables at once, FK moves, cascaded deletes, one
 * truncate, one added column) runs while Ingraft is started, killed and restarted. After each
 * commit the test reads the state the transaction left ({@link ShopGraph}).
 *
 * <p>What must hold:
 *
 * <ul>
 *   <li>at quiescence, the graph's export equals the graph SQL computes from the final rows;
 *   <li>every version published after the snapshot is complete keeps the invariant of every
 *       committed transaction (each order has exactly one customer edge, its items' quantities add
 *       up to its total, no edge dangles);
 *   <li>stronger: every such version <em>is</em> a state the database committed, and the versions
 *       go through those states in commit order (never part of a transaction, never back).
 * </ul>
 *
 * <p>Replay a run with {@code -Dingraft.proof.seed=<n>} (the seed is logged).
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class CdcExactlyOnceTest {
  private static final Logger LOG = LoggerFactory.getLogger(CdcExactlyOnceTest.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final int TRANSACTIONS = 60;
  private static final int KILLS = 3;

  @Test
  void theGraphGoesThroughTheDatabasesCommittedStatesAcrossKills(
      KafkaTestBroker kafka, @TempDir Path dir) throws Exception {
    CdcAssumptions.assumePostgresInstalled();
    long seed = Long.getLong("ingraft.proof.seed", System.nanoTime());
    LOG.info("cdc proof: seed {}", seed);
    Random random = new Random(seed);
    ShopWorkload workload = new ShopWorkload(seed, 30, 10, 40);
    List<ShopGraph> committed = new ArrayList<>();
    Path mapping = dir.resolve("shop-cdc-mapping.json");
    try (LocalPostgres pg = CdcHarness.startPostgres(dir);
        CdcRig rig = new CdcRig(kafka, dir, mapping)) {
      Psql psql = pg.psql();
      committed.add(ShopGraph.fromRows(psql.query(workload.snapshot() + ShopGraph.ORACLE_QUERY)));
      String source = rig.prefix.replace('-', '_');
      Files.writeString(mapping, CdcShop.mappingJson(source), StandardCharsets.UTF_8);
      List<String> transactions = workload.transactions(TRANSACTIONS);
      try (ConnectWorker worker =
          CdcHarness.startConnector(
              pg, kafka.bootstrapServers(), dir.resolve("connect"), source, Map.of())) {
        int kills = 0;
        for (int round = 0; round <= KILLS; round++) {
          boolean last = round == KILLS;
          int from = transactions.size() * round / (KILLS + 1);
          int to = transactions.size() * (round + 1) / (KILLS + 1);
          try (ChildJvm.Running child =
              ChildJvm.start(
                  ProofChildMain.class, Map.of(), rig.childArgs("cdc-writer-" + round))) {
            Supplier<String> dead =
                () -> child.isAlive() ? null : "the Ingraft child died:\n" + child.output();
            LOG.info("cdc proof: round {} started, transactions {} to {}", round, from, to);
            // The slice's transactions commit while this instance runs, so a kill lands in
            // the middle of the stream: in stage 1 assembling a transaction, or in stage 2.
            List<String> slice = transactions.subList(from, to);
            List<Long> sliceTxIds = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> stream =
                CompletableFuture.runAsync(
                    () -> {
                      for (String tx : slice) {
                        List<List<String>> rows =
                            psql.query(
                                tx.replace("COMMIT;", TX_ID_QUERY + "COMMIT;")
                                    + ShopGraph.ORACLE_QUERY);
                        synchronized (committed) {
                          committed.add(ShopGraph.fromRows(rows));
                        }
                        sliceTxIds.add(txId(rows));
                      }
                    },
                    task -> new Thread(task, "cdc-stream").start());
            if (!last) {
              // Kill once the graph reflects a random transaction of the slice.
              int k = random.nextInt(slice.size());
              awaitOrExplain(
                  child,
                  rig,
                  "the graph at transaction " + k + " of round " + round,
                  () -> {
                    assertAlive(dead);
                    return sliceTxIds.size() > k && rig.latestTxId() >= sliceTxIds.get(k);
                  });
              child.destroyForcibly();
              kills++;
              LOG.info(
                  "cdc proof: killed round {} at version {} (reflecting source tx {};"
                      + " target tx {}, {} of {} in the slice)",
                  round,
                  rig.latestVersion(),
                  rig.latestTxId(),
                  sliceTxIds.get(k),
                  k,
                  slice.size());
              stream.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } else {
              stream.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
              ShopGraph finalState = ShopGraph.fromDatabase(psql);
              assertThat(finalState).isEqualTo(committed.get(committed.size() - 1));
              try {
                KafkaTestBroker.await(
                    TIMEOUT,
                    "the graph equal to the database",
                    () -> {
                      assertAlive(dead);
                      return ShopGraph.fromExport(rig.export()).equals(finalState);
                    });
                LOG.info(
                    "cdc proof: the graph equals the database at version {}", rig.latestVersion());
              } catch (IllegalStateException timedOut) {
                throw new AssertionError(
                    "the graph never reached the database's final state;"
                        + " difference:\n"
                        + ShopGraph.fromExport(rig.export()).diff(finalState)
                        + "\nchild output tail:\n"
                        + tail(child.output()),
                    timedOut);
              }
            }
          }
        }
        assertThat(worker.isAlive()).as("the Connect worker ran throughout").isTrue();
        LOG.info("cdc proof: {} transactions, {} kills", transactions.size(), kills);
      }
      assertEveryVersionIsACommittedState(rig, committed);
    }
  }

  /**
   * Every version after the snapshot keeps the invariant and equals a committed state, at or after
   * the one the previous version equalled.
   */
  private static void assertEveryVersionIsACommittedState(CdcRig rig, List<ShopGraph> committed) {
    int matched = 0;
    int checked = 0;
    int inSnapshot = 0;
    for (long version : rig.log().versions()) {
      Manifest manifest = rig.log().read(version);
      Optional<CdcPosition> position = rig.position(manifest);
      if (position.isEmpty()) {
        continue; // the graph's creation, before any change
      }
      if (position.get().snapshotInProgress()) {
        inSnapshot++;
        continue;
      }
      ShopGraph graph = ShopGraph.fromExport(rig.exportAt(version));
      assertThat(graph.invariantViolations())
          .as("version %d (source tx %s)", version, position.get().txId())
          .isEmpty();
      int found = -1;
      for (int i = matched; i < committed.size(); i++) {
        if (committed.get(i).equals(graph)) {
          found = i;
          break;
        }
      }
      if (found < 0) {
        throw new AssertionError(
            "version "
                + version
                + " (source tx "
                + position.get().txId()
                + ") is not a state the database committed at or after state "
                + matched
                + "; against that state:\n"
                + graph.diff(committed.get(matched)));
      }
      matched = found;
      checked++;
    }
    assertThat(checked).as("versions checked after the snapshot").isPositive();
    LOG.info(
        "cdc proof: {} versions after the snapshot each equal a committed state, in order"
            + " (last: state {} of {}); {} versions published during the snapshot",
        checked,
        matched,
        committed.size() - 1,
        inSnapshot);
  }

  /** Waits as {@link KafkaTestBroker#await} does; a timeout fails with the child's output. */
  private static void awaitOrExplain(
      ChildJvm.Running child, CdcRig rig, String what, Supplier<Boolean> condition) {
    try {
      KafkaTestBroker.await(TIMEOUT, what, condition);
    } catch (IllegalStateException timedOut) {
      throw new AssertionError(
          "timed out waiting for "
              + what
              + " (latest version "
              + rig.latestVersion()
              + "); child output tail:\n"
              + tail(child.output()),
          timedOut);
    }
  }

  /** Selects the transaction's id as a row of its own: {@code txid <TAB> N}. */
  private static final String TX_ID_QUERY = "SELECT 'txid', txid_current();\n";

  private static long txId(List<List<String>> rows) {
    for (List<String> row : rows) {
      if (row.size() == 2 && row.get(0).equals("txid")) {
        return Long.parseLong(row.get(1));
      }
    }
    throw new IllegalStateException("no txid row in " + rows);
  }

  private static void assertAlive(Supplier<String> dead) {
    String why = dead.get();
    if (why != null) {
      throw new AssertionError(why);
    }
  }

  private static String tail(String output) {
    return output.length() <= 6000 ? output : output.substring(output.length() - 6000);
  }
}
