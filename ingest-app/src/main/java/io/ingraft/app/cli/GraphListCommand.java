package io.ingraft.app.cli;

import io.ingraft.engine.read.StoredGraphs;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ingraft graph list}: the graphs of a storage root, local or S3 ({@link StoredGraphs}). */
@Command(
    name = "list",
    description =
        "The graphs in the storage root: latest version, tables, rows, last publish, pending"
            + " sidecars, stopped.",
    mixinStandardHelpOptions = true)
final class GraphListCommand implements Callable<Integer> {
  @Mixin StorageOptions storage;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    try (StorageSession s = new StorageSession(storage.toConfig(Map.of()).storage())) {
      List<StoredGraphs.GraphSummary> graphs = new StoredGraphs(s.store).list();
      var out = spec.commandLine().getOut();
      if (json) {
        out.println(GraphCommand.JSON.writeValueAsString(graphs));
        out.flush();
        return ExitCodes.OK;
      }
      if (graphs.isEmpty()) {
        out.println("no graphs in " + s.store.describe());
        out.flush();
        return ExitCodes.OK;
      }
      TextTable table =
          new TextTable(
              "GRAPH",
              "VERSION",
              "HISTORY",
              "TABLES",
              "ROWS",
              "LAST PUBLISH",
              "WRITER",
              "EPOCH",
              "SIDECARS",
              "STOPPED");
      for (StoredGraphs.GraphSummary g : graphs) {
        table.row(
            g.graph(),
            g.version(),
            g.oldestVersion() + ".." + g.version(),
            g.tables(),
            g.rows(),
            g.lastPublish(),
            g.writer(),
            g.epoch(),
            g.pendingSidecars(),
            g.stopped() ? "STOPPED" : "");
      }
      table.print(out);
    }
    return ExitCodes.OK;
  }
}
