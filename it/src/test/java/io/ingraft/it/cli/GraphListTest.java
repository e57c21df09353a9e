package io.ingraft.it.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.app.cli.IngraftCli;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.engine.event.SourcePosition;
import io.ingraft.recovery.Failpoints;
import io.ingraft.recovery.InjectedFailureException;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.StopRecord;
import io.ingraft.storage.StopRecords;
import io.ingraft.storage.StorageConfig;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import io.ingraft.storage.testing.S3ProxyServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingraft graph list} over a storage root with several graphs, on local disk and on S3
 * (s3proxy): every graph with its latest version, tables, rows, last publish and flags (a pending
 * sidecar, a stop record), folders that are not graphs left out; {@code graph gc} through the CLI
 * shows up in the listed history.
 */
class GraphListTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SCHEMA = "node Person { id: String @key n: I64 }\n";

  @TempDir Path dir;

  @AfterEach
  void disarm() {
    Failpoints.disarmAll();
  }

  @Test
  void listsTheGraphsOfALocalRoot() throws Exception {
    Path root = dir.resolve("root");
    StorageConfig config = StorageConfig.local(root);
    fill(config);
    // A folder that is not a graph, and a graph folder without a manifest.
    Files.createDirectories(root.resolve("graphs/Not A Graph/_manifest"));
    Files.createDirectories(root.resolve("graphs/half-made/_schemas"));

    listAndCheck("--storage-root", root.toString());
  }

  @Test
  void listsTheGraphsOfAnS3Root() throws Exception {
    StorageConfig config = S3ProxyServer.shared().config("list-" + System.nanoTime());
    fill(config);
    Path properties = dir.resolve("s3.properties");
    Files.writeString(
        properties,
        String.join(
            "\n",
            "storage.root=s3://" + S3ProxyServer.shared().bucket() + "/" + config.s3Prefix(),
            "storage.s3.endpoint=" + S3ProxyServer.shared().endpoint(),
            "storage.s3.region=" + S3ProxyServer.REGION,
            "storage.s3.access-key=" + S3ProxyServer.ACCESS_KEY,
            "storage.s3.secret-key=" + S3ProxyServer.SECRET_KEY,
            ""));

    listAndCheck("--config", properties.toString());
  }

  /** Three graphs: a plain one, one with a crashed write's sidecar, one a writer stopped. */
  private static void fill(StorageConfig config) {
    try (ObjectStore store = ObjectStore.open(config);
        TableStore tables = new TableStore(store)) {
      GraphEngine engine = new GraphEngine(store, tables, "w", Clock.systemUTC());
      for (String name : List.of("alpha", "beta", "gamma")) {
        GraphId g = GraphId.of(name);
        engine.createGraph(g, SCHEMA);
        for (long i = 0; i < 3; i++) {
          engine.apply(g, batch(g, i));
        }
      }
      Failpoints.arm(Failpoints.AFTER_SIDECAR_WRITE, Failpoints.Action.THROW);
      assertThatThrownBy(() -> engine.apply(GraphId.of("beta"), batch(GraphId.of("beta"), 3)))
          .isInstanceOf(InjectedFailureException.class);
      Failpoints.disarmAll();
      new StopRecords(store)
          .write(
              GraphId.of("gamma"),
              new StopRecord("SWEEP_STOPPED", "test", "restore", Instant.now(), "w"));
    }
  }

  private static void listAndCheck(String... storage) throws Exception {
    Run gc = run(concat(List.of("graph", "gc", "-g", "alpha", "--keep-last", "2"), storage));
    assertThat(gc.code()).isZero();
    assertThat(gc.out()).contains("manifest versions", "dropped");

    Run json = run(concat(List.of("graph", "list", "--json"), storage));
    assertThat(json.code()).isZero();
    JsonNode graphs = JSON.readTree(json.out());
    assertThat(graphs.findValuesAsText("graph")).containsExactly("alpha", "beta", "gamma");
    JsonNode alpha = graphs.get(0);
    assertThat(alpha.get("version").asLong()).as("create, claim, three batches").isEqualTo(5);
    assertThat(alpha.get("oldestVersion").asLong()).isEqualTo(4);
    assertThat(alpha.get("tables").asInt()).isEqualTo(1);
    assertThat(alpha.get("rows").asLong()).isEqualTo(3);
    assertThat(alpha.get("lastPublish").asText()).isNotBlank();
    assertThat(graphs.get(1).get("pendingSidecars").asInt()).isEqualTo(1);
    assertThat(graphs.get(1).get("stopped").asBoolean()).isFalse();
    assertThat(graphs.get(2).get("stopped").asBoolean()).isTrue();
    assertThat(graphs.get(2).get("pendingSidecars").asInt()).isZero();

    Run text = run(concat(List.of("graph", "list"), storage));
    assertThat(text.code()).isZero();
    List<String> lines = text.out().lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).startsWith("GRAPH").contains("VERSION", "LAST PUBLISH", "STOPPED");
    assertThat(lines.get(1)).startsWith("alpha").contains("4..5");
    assertThat(lines.get(3)).startsWith("gamma").endsWith("STOPPED");
    // Aligned: every row's second column starts where the header's does.
    int column = lines.get(0).indexOf("VERSION");
    lines.forEach(line -> assertThat(line.charAt(column - 1)).isEqualTo(' '));
    lines.subList(1, 4).forEach(line -> assertThat(line.charAt(column)).isNotEqualTo(' '));
  }

  private static List<GraphEvent> batch(GraphId g, long offset) {
    return List.of(
        new GraphEvent(
            g.value(),
            "e" + offset,
            new SourcePosition("log:0", offset),
            null,
            new EventBody.Mutation(
                List.of(new Op.UpsertNode("Person", Map.of("id", "p" + offset, "n", offset))))));
  }

  private static String[] concat(List<String> head, String... tail) {
    return java.util.stream.Stream.concat(head.stream(), java.util.Arrays.stream(tail))
        .toArray(String[]::new);
  }

  private record Run(int code, String out) {}

  private static Run run(String... args) {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      int code = IngraftCli.execute(args);
      return new Run(code, captured.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(original);
    }
  }
}
