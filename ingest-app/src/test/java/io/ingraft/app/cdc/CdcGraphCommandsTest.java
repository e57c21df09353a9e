package io.ingraft.app.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.app.cli.IngraftCli;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.engine.event.SourcePosition;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.CdcPosition;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code graph status} shows the CDC position a graph reflects, and {@code graph export
 * --as-of-lsn} reads the graph as of a source position.
 */
class CdcGraphCommandsTest {
  @TempDir Path root;

  private String run(String... args) {
    PrintStream original = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      assertThat(IngraftCli.execute(args)).isZero();
      return out.toString(StandardCharsets.UTF_8);
    } finally {
      System.setOut(original);
    }
  }

  @Test
  void statusShowsThePositionAndExportReadsAsOfOne() throws Exception {
    GraphId g = GraphId.of("shop");
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      GraphEngine engine = new GraphEngine(store, tables, "w", Clock.systemUTC());
      engine.createGraph(g, "node Customer { id: I64 @key }");
      for (long id = 1; id <= 2; id++) {
        engine.apply(
            g,
            List.of(
                new GraphEvent(
                    g.value(),
                    "e" + id,
                    new SourcePosition("log:0", id),
                    null,
                    new EventBody.Mutation(
                        List.of(new Op.UpsertNode("Customer", Map.of("id", id)))),
                    new CdcPosition(
                        "shop", 0x100000000L * id + 0x10, "80" + id, 1_700_000_000_000L, false))));
      }
    }
    String storage = root.toString();
    JsonNode status =
        new ObjectMapper()
            .readTree(run("graph", "status", "-g", "shop", "--storage-root", storage, "--json"));
    assertThat(status.at("/cdc/txId").asText()).isEqualTo("802");
    assertThat(status.at("/cdc/lsnText").asText()).isEqualTo("2/10");
    assertThat(status.at("/cdc/snapshotInProgress").asBoolean()).isFalse();
    assertThat(run("graph", "status", "-g", "shop", "--storage-root", storage))
        .contains("CDC source shop: LSN 2/10")
        .contains("transaction 802");
    String asOfFirst =
        run("graph", "export", "-g", "shop", "--storage-root", storage, "--as-of-lsn", "1/FF");
    assertThat(asOfFirst.lines().filter(line -> line.contains("\"Customer\""))).hasSize(1);
  }
}
