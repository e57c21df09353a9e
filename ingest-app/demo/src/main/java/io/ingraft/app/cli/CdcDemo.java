package io.ingraft.app.cli;

import io.ingraft.app.IngestPipeline;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.kafka.LocalKafkaBroker;
import io.ingraft.app.local.ConnectWorker;
import io.ingraft.app.local.DebeziumWorkerClasspath;
import io.ingraft.app.local.LocalPostgres;
import io.ingraft.app.local.PostgresNotInstalledException;
import io.ingraft.app.local.Psql;
import io.ingraft.engine.read.GraphSnapshot;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.CdcPosition;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.LocalObjectStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * {@code ingraft demo --cdc}: PostgreSQL to Debezium to graph versions, live. Starts a private
 * PostgreSQL (Debian's {@code postgresql} package; without it, says how to install it), a local
 * broker, Kafka Connect with the Debezium PostgreSQL connector (a child JVM on the classpath the
 * source tree's {@code it/debezium-worker} module resolves) and both pipeline stages with the
 * shop's CDC mapping ({@link CdcShop}). It shows the initial snapshot arriving as a graph version,
 * then runs a few SQL transactions and shows, for each, the graph version that reflects it and how
 * long after the database's commit it was published. Everything it started is stopped at the end;
 * the graph stays in the demo directory.
 */
final class CdcDemo {
  private static final String SOURCE = "demo";

  /**
   * One live step: what it does, in words, the transaction, and an order whose customer to show
   * after it (null: none).
   */
  private record Step(String title, String sql, Long order) {}

  private static final List<Step> STEPS =
      List.of(
          new Step(
              "A new customer, referred by alice, places an order of two products",
              """
          INSERT INTO customers VALUES (6, 'frank', 1);
          INSERT INTO orders VALUES (107, 6, 3);
          INSERT INTO order_items VALUES (107, 1, 1), (107, 3, 2);
          """,
              107L),
          new Step(
              "Order 101 moves from alice to bob (a foreign key changes: its edge moves)",
              """
          UPDATE orders SET customer_id = 2 WHERE id = 101;
          """,
              101L),
          new Step(
              "Customer carol is deleted: her orders and their items cascade",
              """
          DELETE FROM customers WHERE id = 3;
          """,
              null),
          new Step(
              "A product is discontinued; its order lines go and the totals follow",
              """
          DELETE FROM products WHERE id = 4;
          UPDATE orders o SET total = (SELECT coalesce(sum(quantity), 0) FROM order_items i
                                        WHERE i.order_id = o.id);
          """,
              null));

  private static final String SAMPLE =
      """
      INSERT INTO customers VALUES (1, 'alice', NULL), (2, 'bob', 1), (3, 'carol', 1),
                                   (4, 'dave', 2), (5, 'erin', NULL);
      INSERT INTO products VALUES (1, 'notebook', 4), (2, 'pen', 2), (3, 'ink', 7), (4, 'ruler', 3);
      INSERT INTO orders VALUES (101, 1, 3), (102, 2, 1), (103, 3, 5), (104, 3, 2), (105, 4, 4),
                                (106, 5, 1);
      INSERT INTO order_items VALUES (101, 1, 2), (101, 2, 1), (102, 3, 1), (103, 1, 1),
                                     (103, 4, 4), (104, 2, 2), (105, 3, 3), (105, 4, 1),
                                     (106, 2, 1);
      """;

  private final Path dir;
  private final long deadline;
  private final PrintWriter out;

  CdcDemo(Path dir, Duration timeout, PrintWriter out) {
    this.dir = dir.toAbsolutePath();
    this.deadline = System.nanoTime() + timeout.toNanos();
    this.out = out;
  }

  int run() throws Exception {
    if (!LocalPostgres.isInstalled()) {
      out.println(
          "The CDC demo runs a private PostgreSQL, and PostgreSQL's server is not"
              + " installed here");
      out.printf(
          "(no %s/<version>/bin/initdb). Install it, then run ./ingraft demo --cdc again:%n",
          LocalPostgres.DEBIAN_ROOT);
      out.printf("  sudo %s        (Debian, Ubuntu)%n", PostgresNotInstalledException.INSTALL_HINT);
      out.flush();
      return ExitCodes.NOT_FOUND;
    }
    say(
        "Locating the Kafka Connect + Debezium classpath (the first run resolves it with Maven"
            + " from it/debezium-worker) ...");
    String classpath = DebeziumWorkerClasspath.locateOrBuild();
    deleteContents(dir);
    Files.createDirectories(dir);
    // PostgreSQL runs as the postgres OS user when the demo runs as root: it must reach its
    // directory.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    say("Starting a local Kafka broker (KRaft, child JVM) ...");
    try (LocalKafkaBroker broker =
        LocalKafkaBroker.builder(dir.resolve("broker")).partitions(3).start()) {
      say(
          "  broker ready at %s in %.1f s",
          broker.bootstrapServers(), broker.startupTime().toMillis() / 1e3);
      say("Starting PostgreSQL (initdb + pg_ctl, wal_level=logical) ...");
      try (LocalPostgres pg = LocalPostgres.builder(dir.resolve("postgres")).start()) {
        say(
            "  PostgreSQL ready on %s:%d in %.1f s; creating the shop: 5 customers, 4 products,"
                + " 6 orders, 9 order lines",
            pg.host(), pg.port(), pg.startupTime().toMillis() / 1e3);
        Psql psql = pg.psql();
        psql.execute(CdcShop.DDL + SAMPLE);
        Path mapping = dir.resolve("shop-cdc-mapping.json");
        Files.writeString(mapping, CdcShop.mappingJson(SOURCE), StandardCharsets.UTF_8);
        say(
            "Starting Kafka Connect with the Debezium PostgreSQL connector (child JVM, about"
                + " 20-40 s) ...");
        Map<String, String> connector = ConnectWorker.debeziumPostgres(pg, SOURCE, "ingraft", 3);
        try (ConnectWorker worker =
            ConnectWorker.builder(dir.resolve("connect"))
                .bootstrapServers(broker.bootstrapServers())
                .classpath(classpath)
                .connector("shop-source", connector)
                .start()) {
          say(
              "  connector running in %.1f s; topics %s.public.<table> and %s.transaction",
              worker.startupTime().toMillis() / 1e3, SOURCE, SOURCE);
          IngraftConfig config = config(broker, mapping);
          try (IngestPipeline pipeline = new IngestPipeline(config);
              LocalObjectStore store = new LocalObjectStore(dir.resolve("graphs"))) {
            say("Starting the pipeline with the mapping %s ...", mapping);
            pipeline.start();
            ManifestLog log = new ManifestLog(store, GraphId.of(CdcShop.GRAPH));
            Manifest snapshot =
                await(
                    log,
                    "the initial snapshot",
                    m -> log.cdcPosition(m).map(p -> !p.snapshotInProgress()).orElse(false));
            out.println();
            say("Snapshot loaded: graph '%s' version %d", CdcShop.GRAPH, snapshot.version());
            counts(pipeline.engine().snapshotAt(GraphId.of(CdcShop.GRAPH), snapshot.version()));
            for (Step step : STEPS) {
              live(step, psql, log, pipeline);
            }
          }
        }
      }
    }
    out.println();
    out.println("Stopped the pipeline, Connect, PostgreSQL and the broker. Explore the graph:");
    Path graphs = dir.resolve("graphs");
    out.printf("  ./ingraft graph history --storage-root %s --graph %s%n", graphs, CdcShop.GRAPH);
    out.printf("  ./ingraft graph export  --storage-root %s --graph %s%n", graphs, CdcShop.GRAPH);
    out.flush();
    return ExitCodes.OK;
  }

  private void live(Step step, Psql psql, ManifestLog log, IngestPipeline pipeline)
      throws InterruptedException {
    out.println();
    say("SQL: %s", step.title());
    for (String line : step.sql().strip().split("\n")) {
      out.println("  | " + line);
    }
    String txId = psql.scalar("BEGIN;\n" + step.sql() + "SELECT txid_current();\nCOMMIT;\n");
    Manifest version =
        await(
            log,
            "the version of transaction " + txId,
            m -> log.cdcPosition(m).map(p -> sameTransaction(p, txId)).orElse(false));
    CdcPosition position = log.cdcPosition(version).orElseThrow();
    say(
        "  -> transaction %s is graph version %d, published %d ms after the database's commit",
        txId, version.version(), version.time().toEpochMilli() - position.commitTimeMs());
    GraphSnapshot graph =
        pipeline.engine().snapshotAt(GraphId.of(CdcShop.GRAPH), version.version());
    counts(graph);
    if (step.order() != null) {
      graph
          .neighbours("PLACED_BY", step.order(), GraphSnapshot.Direction.OUT)
          .forEach(
              customer ->
                  say(
                      "  order %d is placed by customer %s (%s)",
                      step.order(), customer.get("id"), customer.get("name")));
    }
  }

  private void counts(GraphSnapshot s) {
    new TextTable("  Customer", "Product", "Order", "REFERRED_BY", "PLACED_BY", "CONTAINS")
        .row(
            "  " + s.count("Customer"),
            s.count("Product"),
            s.count("Order"),
            s.count("REFERRED_BY"),
            s.count("PLACED_BY"),
            s.count("CONTAINS"))
        .print(out);
    out.flush();
  }

  private IngraftConfig config(LocalKafkaBroker broker, Path mapping) {
    Map<String, String> s = new HashMap<>();
    s.put(IngraftConfig.BOOTSTRAP, broker.bootstrapServers());
    s.put("storage.root", dir.resolve("graphs").toString());
    s.put("ingraft.topic.partitions", "3");
    s.put("ingraft.seal.linger-ms", "100");
    s.put("ingraft.state-dir", dir.resolve("streams-state").toString());
    s.put("ingraft.writer.id", "demo-writer");
    s.put("ingraft.cdc.mapping", mapping.toString());
    return IngraftConfig.fromMap(s);
  }

  private static boolean sameTransaction(CdcPosition position, String txId) {
    return position.txId() != null
        && (position.txId().equals(txId) || position.txId().startsWith(txId + ":"));
  }

  /** Polls the graph until its newest version satisfies {@code done}; the first such version. */
  private Manifest await(ManifestLog log, String what, Predicate<Manifest> done)
      throws InterruptedException {
    while (true) {
      Optional<Manifest> latest = log.latest();
      if (latest.isPresent() && done.test(latest.get())) {
        Manifest first = latest.get();
        while (first.version() > 1 && done.test(log.read(first.version() - 1))) {
          first = log.read(first.version() - 1);
        }
        return first;
      }
      if (System.nanoTime() > deadline) {
        throw new DemoTimeoutException(what);
      }
      Thread.sleep(50); // poll interval
    }
  }

  private void say(String format, Object... args) {
    out.printf(format + "%n", args);
    out.flush();
  }

  private static void deleteContents(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths
          .sorted(Comparator.reverseOrder())
          .filter(p -> !p.equals(dir))
          .forEach(p -> p.toFile().delete());
    }
  }
}
