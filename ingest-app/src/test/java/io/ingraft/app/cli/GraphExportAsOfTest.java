package io.ingraft.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.engine.event.SourcePosition;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code graph export --as-of-time / --as-of-offset} pick the version the README promises, and
 * {@code graph pins} prints the pins of any selected version; a time before the first version or an
 * offset no version covers is a typed "not found" (exit 3), two selectors a usage error.
 */
class GraphExportAsOfTest {
  private static final String LOG = "ingraft.graph-log";

  // One graph for every test: they only read it.
  @TempDir static Path root;
  private static Manifest second;
  private static Manifest third;

  /** Version {@code second} applies graph-log offsets 0..2, version {@code third} 3..5. */
  @BeforeAll
  static void buildGraph() {
    GraphId g = GraphId.of("g");
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      GraphEngine engine = new GraphEngine(store, tables, "w", Clock.systemUTC());
      engine.createGraph(g, "node N { id: String @key\n  n: I64? }\n");
      long secondVersion = engine.apply(g, batch(0)).manifestVersion();
      long thirdVersion = engine.apply(g, batch(3)).manifestVersion();
      ManifestLog log = new ManifestLog(store, g);
      second = log.read(secondVersion);
      third = log.read(thirdVersion);
    }
    // Each apply writes Lance tables for milliseconds at least, so the times differ.
    assertThat(third.time()).isAfter(second.time());
  }

  private static List<GraphEvent> batch(int firstOffset) {
    List<GraphEvent> events = new ArrayList<>();
    for (int offset = firstOffset; offset < firstOffset + 3; offset++) {
      events.add(
          new GraphEvent(
              "g",
              "e" + offset,
              new SourcePosition(LOG + ":0", offset),
              null,
              new EventBody.Mutation(
                  List.of(new Op.UpsertNode("N", Map.of("id", "n" + offset, "n", offset))))));
    }
    return events;
  }

  @Test
  void exportAsOfATimeIsTheNewestVersionPublishedAtOrBeforeIt() {
    String atSecond = export("--version", String.valueOf(second.version())).out();
    String atThird = export("--version", String.valueOf(third.version())).out();
    assertThat(atSecond).isNotEqualTo(atThird).contains("\"n2\"").doesNotContain("\"n3\"");

    assertThat(export("--as-of-time", second.time().toString()).out()).isEqualTo(atSecond);
    assertThat(export("--as-of-time", third.time().minusNanos(1_000_000).toString()).out())
        .isEqualTo(atSecond);
    // Another zone offset names the same instant.
    String thirdInPlusOne = third.time().atOffset(ZoneOffset.ofHours(1)).toString();
    assertThat(export("--as-of-time", thirdInPlusOne).out()).isEqualTo(atThird);
    assertThat(export("--as-of-time", "2999-01-01T00:00:00Z").out()).isEqualTo(atThird);
  }

  @Test
  void aTimeBeforeTheFirstVersionIsNotFound() {
    Run before = export("--as-of-time", "2000-01-01T00:00:00Z");
    assertThat(before.code()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(before.out()).isEmpty();
    assertThat(before.err())
        .contains("graph g has no version published at or before 2000-01-01T00:00:00Z");
  }

  @Test
  void exportAsOfAnOffsetIsTheFirstVersionThatAppliedIt() {
    String atSecond = export("--version", String.valueOf(second.version())).out();
    String atThird = export("--version", String.valueOf(third.version())).out();
    assertThat(export("--as-of-offset", "0:0").out()).isEqualTo(atSecond);
    assertThat(export("--as-of-offset", "0:2").out()).isEqualTo(atSecond);
    assertThat(export("--as-of-offset", "0:3").out()).isEqualTo(atThird);
    assertThat(export("--as-of-offset", LOG + ":0:5").out()).isEqualTo(atThird);

    Run notYet = export("--as-of-offset", "0:6");
    assertThat(notYet.code()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(notYet.err()).contains("graph g has no version covering offset 6 of partition 0");
    assertThat(export("--as-of-offset", "1:0").code()).isEqualTo(ExitCodes.NOT_FOUND);
  }

  @Test
  void badOrSeveralSelectorsAreUsageErrors() {
    Run two = export("--version", "2", "--as-of-time", "2026-01-01T00:00:00Z");
    assertThat(two.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(two.err()).contains("give at most one of --version, --as-of-time");
    Run badTime = export("--as-of-time", "yesterday");
    assertThat(badTime.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(badTime.err()).contains("--as-of-time: expected ISO-8601");
    Run badOffset = export("--as-of-offset", "0-12");
    assertThat(badOffset.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(badOffset.err()).contains("--as-of-offset: expected [TOPIC:]PARTITION:OFFSET");
  }

  @Test
  void pinsShowTheSelectedVersionsTablesWithAbsoluteUris() throws Exception {
    Run json = run("graph", "pins", "-g", "g", "--storage-root", root.toString(), "--json");
    assertThat(json.code()).as(json.err()).isZero();
    JsonNode latest = new ObjectMapper().readTree(json.out());
    assertThat(latest.get("version").asLong()).isEqualTo(third.version());
    JsonNode table = latest.at("/tables/nodes~1N");
    assertThat(table.get("version").asLong()).isEqualTo(third.tables().get("nodes/N").version());
    assertThat(table.get("rowCount").asLong()).isEqualTo(6);
    assertThat(Path.of(table.get("uri").asText()))
        .isAbsolute()
        .isEqualTo(root.toAbsolutePath().resolve("graphs/g/nodes/N.lance"))
        .isDirectory();

    Run older =
        run(
            "graph",
            "pins",
            "-g",
            "g",
            "--storage-root",
            root.toString(),
            "--as-of-offset",
            "0:1",
            "--json");
    JsonNode atSecond = new ObjectMapper().readTree(older.out());
    assertThat(atSecond.get("version").asLong()).isEqualTo(second.version());
    assertThat(atSecond.at("/tables/nodes~1N/version").asLong())
        .isEqualTo(second.tables().get("nodes/N").version())
        .isLessThan(table.get("version").asLong());
    assertThat(atSecond.at("/tables/nodes~1N/rowCount").asLong()).isEqualTo(3);

    Run text = run("graph", "pins", "-g", "g", "--storage-root", root.toString());
    assertThat(text.out())
        .contains("graph g: version " + third.version())
        .containsPattern("TABLE\\s+VERSION\\s+ROWS\\s+URI")
        .containsPattern("nodes/N\\s+" + table.get("version").asLong() + "\\s+6\\s+/");
  }

  @Test
  void helpNamesTheSelectors() {
    for (String command : List.of("export", "pins")) {
      Run help = run("graph", command, "--help");
      assertThat(help.code()).isZero();
      assertThat(help.out())
          .contains("--version", "--as-of-time", "--as-of-offset", "--as-of-lsn", "-h, --help");
    }
  }

  private static Run export(String... selector) {
    List<String> args =
        new ArrayList<>(List.of("graph", "export", "-g", "g", "--storage-root", root.toString()));
    args.addAll(List.of(selector));
    return run(args.toArray(String[]::new));
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream capturedOut = new ByteArrayOutputStream();
    ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
    System.setOut(new PrintStream(capturedOut, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
    try {
      int code = IngraftCli.execute(args);
      return new Run(
          code,
          capturedOut.toString(StandardCharsets.UTF_8),
          capturedErr.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }
}
