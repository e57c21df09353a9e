package io.ingraft.it.reading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ingraft.app.cli.IngraftCli;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.engine.event.SourcePosition;
import io.ingraft.recovery.Failpoints;
import io.ingraft.recovery.InjectedFailureException;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import io.ingraft.storage.testing.S3ProxyServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reading contract (docs/reading.md), proved with a third-party reader: LanceDB's Node package
 * opens the table versions {@code ingraft graph pins --json} names and reads exactly the rows
 * {@code ingraft graph export} gives for that manifest version, while the tables' HEADs have run
 * ahead of it (a write committed to the tables and failed before its publish) and while a newer
 * version exists (the pins of an older version read that older graph).
 */
class LanceDbReaderTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SCHEMA =
      """
      node Person { name: String @key
        age: I64?
        score: F64?
        active: Bool? }
      edge Knows: Person -> Person { weight: F64? }
      """;
  private static final Map<String, String> KEY_COLUMN = Map.of("Person", "name");

  @TempDir Path root;

  @Test
  void lanceDbReadsThePinnedVersionsAndGetsTheExportedRows() throws Exception {
    LanceDbNode lanceDb = LanceDbNode.install(Path.of("target"));
    GraphId g = GraphId.of("social");
    long first;
    long second;
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      GraphEngine engine = new GraphEngine(store, tables, "w", Clock.systemUTC());
      engine.createGraph(g, SCHEMA);
      List<Op> people = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        people.add(person("p" + i, 20 + i, i * 0.25, i % 2 == 0));
      }
      for (int i = 0; i < 5; i++) {
        people.add(knows("k" + i, "p" + i, "p" + (i + 1), i + 0.5));
      }
      first = apply(engine, g, 0, people);
      second =
          apply(
              engine,
              g,
              1,
              List.of(
                  person("p3", 99, 7.75, false),
                  new Op.DeleteNode("Person", "p8"),
                  person("p10", 30, -1.5, true),
                  knows("k9", "p6", "p7", 2.25),
                  new Op.DeleteEdge("Knows", "p0", "p1", "k0")));

      // A write that commits every table and then fails before the manifest publish: the
      // HEADs move ahead of the pins, and no manifest names them until a sweep decides the write
      // (none runs here).
      Failpoints.arm(Failpoints.AFTER_TABLE_COMMITS, Failpoints.Action.THROW);
      try {
        assertThatThrownBy(
                () ->
                    apply(
                        engine,
                        g,
                        2,
                        List.of(person("p11", 1, 0.5, true), knows("k11", "p11", "p2", 1.0))))
            .isInstanceOf(InjectedFailureException.class);
      } finally {
        Failpoints.disarmAll();
      }
    }

    Path latestPins = pins(g, "--json");
    JsonNode latest = JSON.readTree(Files.readString(latestPins));
    assertThat(latest.get("version").asLong()).isEqualTo(second);
    String latestExport =
        cli("graph", "export", "-g", g.value(), "--storage-root", root.toString());
    JsonNode read = JSON.readTree(lanceDb.read(latestPins, false));
    for (Iterator<Map.Entry<String, JsonNode>> it = latest.get("tables").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> table = it.next();
      assertThat(read.at("/" + table.getKey().replace("/", "~1") + "/version").asLong())
          .as("LanceDB opened the pinned version of %s", table.getKey())
          .isEqualTo(table.getValue().get("version").asLong());
    }
    assertThat(rowsOf(read)).isEqualTo(rowsOfExport(latestExport));

    // The HEADs are not the graph: they hold the unpublished write.
    JsonNode heads = JSON.readTree(lanceDb.read(latestPins, true));
    assertThat(heads.at("/nodes~1Person/version").asLong())
        .isGreaterThan(latest.at("/tables/nodes~1Person/version").asLong());
    assertThat(rowsOf(heads)).isNotEqualTo(rowsOfExport(latestExport));
    assertThat(heads.toString()).contains("p11");

    // An older version's pins read the older graph, which export gives for that version.
    Path firstPins = pins(g, "--version", String.valueOf(first), "--json");
    String firstExport =
        cli(
            "graph",
            "export",
            "-g",
            g.value(),
            "--storage-root",
            root.toString(),
            "--version",
            String.valueOf(first));
    assertThat(firstExport).isNotEqualTo(latestExport);
    assertThat(rowsOf(JSON.readTree(lanceDb.read(firstPins, false))))
        .isEqualTo(rowsOfExport(firstExport));
  }

  /**
   * On S3 (s3proxy): the pins are {@code s3://} URIs with the storage options a reader needs and
   * without the writer's credentials; LanceDB, given the storage options and its own credentials,
   * reads the rows {@code graph export} gives.
   */
  @Test
  void onS3ThePinsCarryS3UrisAndStorageOptionsButNoSecrets() throws Exception {
    LanceDbNode lanceDb = LanceDbNode.install(Path.of("target"));
    S3ProxyServer s3 = S3ProxyServer.shared();
    String prefix = "reading-" + UUID.randomUUID();
    GraphId g = GraphId.of("social");
    try (ObjectStore store = ObjectStore.open(s3.config(prefix));
        TableStore tables = new TableStore(store)) {
      GraphEngine engine = new GraphEngine(store, tables, "w", Clock.systemUTC());
      engine.createGraph(g, SCHEMA);
      apply(engine, g, 0, List.of(person("p0", 20, 0.5, true), person("p1", 21, 1.5, false)));
      apply(engine, g, 1, List.of(knows("k0", "p0", "p1", 0.75), person("p1", 40, 2.5, true)));
    }
    Path config = root.resolve("s3.properties");
    Files.writeString(
        config,
        String.join(
            "\n",
            "storage.root=s3://" + s3.bucket() + "/" + prefix,
            "storage.s3.endpoint=" + s3.endpoint(),
            "storage.s3.region=" + S3ProxyServer.REGION,
            "storage.s3.access-key=" + S3ProxyServer.ACCESS_KEY,
            "storage.s3.secret-key=" + S3ProxyServer.SECRET_KEY,
            ""));
    String pinsText =
        cli("graph", "pins", "-g", g.value(), "--config", config.toString(), "--json");
    assertThat(pinsText).doesNotContain(S3ProxyServer.SECRET_KEY, S3ProxyServer.ACCESS_KEY);
    JsonNode pins = JSON.readTree(pinsText);
    assertThat(pins.at("/tables/nodes~1Person/uri").asText())
        .isEqualTo("s3://" + s3.bucket() + "/" + prefix + "/graphs/social/nodes/Person.lance");
    assertThat(pins.at("/storageOptions/aws_endpoint").asText())
        .isEqualTo(s3.endpoint().toString());
    assertThat(pins.at("/storageOptions/allow_http").asText()).isEqualTo("true");
    Path pinsFile = root.resolve("s3-pins.json");
    Files.writeString(pinsFile, pinsText);

    String export = cli("graph", "export", "-g", g.value(), "--config", config.toString());
    JsonNode read =
        JSON.readTree(
            lanceDb.read(
                pinsFile,
                false,
                Map.of(
                    "AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY,
                    "AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY)));
    assertThat(rowsOf(read)).isEqualTo(rowsOfExport(export));
    assertThat(export).contains("\"k0\"");
  }

  private static Op person(String name, long age, double score, boolean active) {
    return new Op.UpsertNode(
        "Person", Map.of("name", name, "age", age, "score", score, "active", active));
  }

  private static Op knows(String id, String from, String to, double weight) {
    return new Op.InsertEdge("Knows", from, to, Map.of("weight", weight), id);
  }

  private static long apply(GraphEngine engine, GraphId g, long offset, List<Op> ops) {
    return engine
        .apply(
            g,
            List.of(
                new GraphEvent(
                    g.value(),
                    "e" + offset,
                    new SourcePosition("ingraft.graph-log:0", offset),
                    null,
                    new EventBody.Mutation(ops))))
        .manifestVersion();
  }

  private Path pins(GraphId g, String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of("graph", "pins", "-g", g.value(), "--storage-root", root.toString()));
    args.addAll(List.of(more));
    Path file = Files.createTempFile(root, "pins-", ".json");
    Files.writeString(file, cli(args.toArray(String[]::new)));
    return file;
  }

  /** Table → rows as canonical JSON text, sorted: what LanceDB read. */
  private static Map<String, List<String>> rowsOf(JsonNode read) {
    Map<String, List<String>> tables = new TreeMap<>();
    read.fields()
        .forEachRemaining(
            t -> {
              List<String> rows = new ArrayList<>();
              t.getValue().get("rows").forEach(row -> rows.add(canonical(row)));
              rows.sort(null);
              tables.put(t.getKey(), rows);
            });
    return tables;
  }

  /** Table → rows as canonical JSON text, sorted: the export's lines turned back into rows. */
  private static Map<String, List<String>> rowsOfExport(String export) throws Exception {
    Map<String, List<String>> tables = new TreeMap<>();
    for (String line : export.lines().toList()) {
      JsonNode l = JSON.readTree(line);
      String type = l.get("type").asText();
      ObjectNode row = ((ObjectNode) l.get("props")).deepCopy();
      String table;
      if (l.get("kind").asText().equals("node")) {
        table = "nodes/" + type;
        row.set(KEY_COLUMN.get(type), l.get("key"));
      } else {
        table = "edges/" + type;
        row.set("id", l.get("id"));
        row.set("from", l.get("from"));
        row.set("to", l.get("to"));
      }
      tables.computeIfAbsent(table, k -> new ArrayList<>()).add(canonical(row));
    }
    tables.values().forEach(rows -> rows.sort(null));
    return tables;
  }

  /**
   * A row as text to compare: {@code column=value} pairs sorted by column, strings as JSON text,
   * numbers by value (Java prints 2.0 where JavaScript prints 2).
   */
  private static String canonical(JsonNode row) {
    Map<String, String> columns = new TreeMap<>();
    row.fields()
        .forEachRemaining(
            e ->
                columns.put(
                    e.getKey(),
                    e.getValue().isNumber()
                        ? new BigDecimal(e.getValue().asText()).stripTrailingZeros().toPlainString()
                        : e.getValue().toString()));
    return columns.toString();
  }

  private static String cli(String... args) {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = IngraftCli.execute(args);
    } finally {
      System.setOut(original);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    assertThat(code).as("ingraft %s: %s", String.join(" ", args), out).isZero();
    return out;
  }
}
