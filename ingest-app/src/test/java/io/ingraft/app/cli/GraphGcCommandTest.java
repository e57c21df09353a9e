package io.ingraft.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingraft.engine.GraphEngine;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingraft graph gc} on the command line: a dry run deletes nothing and announces what the
 * real run then removes; the table people read is aligned; bad retentions are usage errors.
 */
class GraphGcCommandTest {
  @TempDir Path root;

  @Test
  void aDryRunPredictsTheRunAndDeletesNothing() throws Exception {
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      GraphEngine engine = new GraphEngine(store, tables, "w", Clock.systemUTC());
      engine.createGraph(GraphGcUnderWriterTest.G, GraphGcUnderWriterTest.SCHEMA);
      for (long offset = 0; offset < 8; offset++) {
        engine.apply(GraphGcUnderWriterTest.G, GraphGcUnderWriterTest.batch(offset));
      }
    }
    String[] storage = {"--storage-root", root.toString(), "-g", "busy"};
    long before = GraphGcUnderWriterTest.size(root);

    Run dry = run(args(storage, "graph", "gc", "--keep-last", "3", "--dry-run", "--json"));
    assertThat(dry.code()).isZero();
    assertThat(GraphGcUnderWriterTest.size(root)).as("a dry run deletes nothing").isEqualTo(before);
    JsonNode plan = GraphCommand.JSON.readTree(dry.out());
    assertThat(plan.get("dryRun").asBoolean()).isTrue();
    assertThat(plan.get("latestVersion").asLong()).isEqualTo(10);
    assertThat(plan.get("oldestKept").asLong()).isEqualTo(8);
    assertThat(plan.get("manifests").get("count").asLong()).isEqualTo(7);

    Run text = run(args(storage, "graph", "gc", "--keep-last", "3"));
    assertThat(text.code()).isZero();
    List<String> lines = text.out().lines().toList();
    assertThat(lines.get(0)).isEqualTo("graph busy: latest version 10, oldest kept 8");
    List<String> table = lines.subList(2, lines.size() - 2);
    assertThat(table.get(0)).startsWith("WHAT").contains("DROPPED", "BYTES", "KEPT FROM");
    assertThat(table.get(1)).startsWith("manifest versions").contains("7 (1..7)");
    int bytesColumn = table.get(0).indexOf("BYTES");
    table.forEach(line -> assertThat(line.charAt(bytesColumn - 1)).isEqualTo(' '));
    assertThat(lines.get(lines.size() - 1)).startsWith("dropped ").endsWith(" in total");

    Run again = run(args(storage, "graph", "gc", "--keep-last", "3", "--json"));
    JsonNode second = GraphCommand.JSON.readTree(again.out());
    assertThat(second.get("manifests").get("count").asLong()).as("nothing left").isZero();
    assertThat(second.get("bytesFreed").asLong()).isZero();
    // What the dry run announced per table is what went (versions; bytes are counted differently).
    for (JsonNode t : plan.get("tables")) {
      assertThat(t.get("versionsRemoved").asLong()).isPositive();
    }
    assertThat(run(args(storage, "graph", "verify")).code()).isZero();
    assertThat(run(args(storage, "graph", "export", "--version", "7")).code())
        .as("a dropped version")
        .isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(run(args(storage, "graph", "export", "--version", "8")).code()).isZero();
  }

  @Test
  void badRetentionsAreUsageErrors() {
    String[] storage = {"--storage-root", root.toString(), "-g", "busy"};
    assertThat(run(args(storage, "graph", "gc", "--keep-last", "0")).code())
        .isEqualTo(ExitCodes.USAGE);
    assertThat(run(args(storage, "graph", "gc", "--keep-for", "soon")).code())
        .isEqualTo(ExitCodes.USAGE);
  }

  private static String[] args(String[] storage, String... command) {
    String[] all = new String[command.length + storage.length];
    System.arraycopy(command, 0, all, 0, command.length);
    System.arraycopy(storage, 0, all, command.length, storage.length);
    return all;
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
