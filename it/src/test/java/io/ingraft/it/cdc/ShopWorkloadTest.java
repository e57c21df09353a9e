package io.ingraft.it.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.local.LocalPostgres;
import io.ingraft.app.local.Psql;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workload and the oracle on a real PostgreSQL, without Ingraft: the invariant the CDC proof
 * looks for in every graph version holds in the database after every transaction, the oracle finds
 * it broken when it is, and the workload does what the proof needs (cascades, the truncate, the new
 * column).
 */
class ShopWorkloadTest {
  private static final Logger LOG = LoggerFactory.getLogger(ShopWorkloadTest.class);

  @Test
  void everyCommittedTransactionKeepsTheInvariantTheProofChecks(@TempDir Path dir) {
    CdcAssumptions.assumePostgresInstalled();
    long seed = Long.getLong("ingraft.proof.seed", System.nanoTime());
    LOG.info("shop workload: seed {}", seed);
    try (LocalPostgres pg = CdcHarness.startPostgres(dir)) {
      Psql psql = pg.psql();
      ShopWorkload workload = new ShopWorkload(seed, 20, 8, 30);
      psql.execute(workload.snapshot());
      ShopGraph before = ShopGraph.fromDatabase(psql);
      assertThat(before.invariantViolations()).isEmpty();
      assertThat(before.nodes()).hasSize(20 + 8 + 30);
      List<String> transactions = workload.transactions(60);
      int deletedOrders = 0;
      ShopGraph previous = before;
      for (String tx : transactions) {
        // The transaction and the oracle's query in one psql call: the state it committed.
        ShopGraph after = ShopGraph.fromRows(psql.query(tx + ShopGraph.ORACLE_QUERY));
        assertThat(after.invariantViolations()).as("after:%n%s", tx).isEmpty();
        if (tx.contains("DELETE FROM customers")
            && count(after, ShopGraph.ORDER) < count(previous, ShopGraph.ORDER)) {
          deletedOrders++;
        }
        previous = after;
      }
      assertThat(transactions).filteredOn(t -> t.contains("TRUNCATE")).hasSize(1);
      assertThat(
              psql.scalar(
                  "SELECT count(*) FROM information_schema.columns"
                      + " WHERE table_name = 'customers' AND column_name = '"
                      + ShopWorkload.ADDED_COLUMN
                      + "'"))
          .isEqualTo("1");
      LOG.info(
          "shop workload: {} transactions, {} with cascaded order deletes, final graph {}"
              + " nodes and edges",
          transactions.size(),
          deletedOrders,
          ShopGraph.fromDatabase(psql).size());

      assertThat(deletedOrders)
          .as("transactions whose customer delete cascaded to orders")
          .isPositive();

      // The oracle sees a broken invariant: an order whose total is off.
      psql.execute("UPDATE orders SET total = total + 1 WHERE id = (SELECT min(id) FROM orders)");
      assertThat(ShopGraph.fromDatabase(psql).invariantViolations()).hasSize(1);
    }
  }

  private static long count(ShopGraph graph, String type) {
    return graph.nodes().keySet().stream().filter(k -> k.startsWith(type + "/")).count();
  }
}
