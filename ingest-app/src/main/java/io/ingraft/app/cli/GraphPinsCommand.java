package io.ingraft.app.cli;

import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.TablePin;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ingraft graph pins}: the Lance table versions one manifest version pins, with each table's
 * absolute URI (a path on local disk, {@code s3://} on S3), so another tool (pylance, LanceDB,
 * DuckDB over Arrow, Lance's Java API) can read exactly that version of the graph instead of the
 * tables' HEADs (docs/reading.md).
 */
@Command(
    name = "pins",
    description =
        "Each table's URI and the Lance version a manifest version pins (default latest):"
            + " what another tool must open to read that version of the graph.",
    mixinStandardHelpOptions = true)
final class GraphPinsCommand extends GraphCommand.GraphSubcommand {
  /**
   * The Lance storage options a reader needs to reach the tables; credentials are left out on
   * purpose (a reader brings its own).
   */
  private static final Set<String> SHAREABLE_OPTIONS =
      Set.of("aws_endpoint", "aws_region", "allow_http", "aws_virtual_hosted_style_request");

  @Mixin VersionOptions at;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  /** One table as the JSON output shows it. */
  record PinnedTable(String uri, long version, long rowCount) {}

  @Override
  public Integer call() throws IOException {
    try (StorageSession s = open()) {
      Manifest m = s.engine.resolve(graphId(), at.selector());
      Map<String, PinnedTable> tables = new LinkedHashMap<>();
      for (Map.Entry<String, TablePin> table : m.tables().entrySet()) {
        TablePin pin = table.getValue();
        tables.put(
            table.getKey(),
            new PinnedTable(s.store.lanceUri(pin.path()), pin.version(), pin.rowCount()));
      }
      Map<String, String> options = new LinkedHashMap<>();
      s.store.lanceStorageOptions().entrySet().stream()
          .filter(e -> SHAREABLE_OPTIONS.contains(e.getKey()))
          .sorted(Map.Entry.comparingByKey())
          .forEach(e -> options.put(e.getKey(), e.getValue()));
      if (json) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("graph", graph);
        doc.put("version", m.version());
        doc.put("time", m.time());
        doc.put("storageOptions", options);
        doc.put("tables", tables);
        out().println(GraphCommand.JSON.writeValueAsString(doc));
        return ExitCodes.OK;
      }
      out().printf("graph %s: version %d published %s%n", graph, m.version(), m.time());
      if (!options.isEmpty()) {
        out().printf("storage options: %s%n", options);
      }
      out().println();
      TextTable table = new TextTable("TABLE", "VERSION", "ROWS", "URI");
      tables.forEach((k, pin) -> table.row(k, pin.version(), pin.rowCount(), pin.uri()));
      table.print(out());
    }
    return ExitCodes.OK;
  }
}
