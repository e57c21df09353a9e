package io.ingraft.app.cli;

import io.ingraft.app.cdc.CdcMapping;
import io.ingraft.app.cdc.CdcTopology;
import io.ingraft.app.cdc.InvalidMappingException;
import io.ingraft.app.cdc.MappingCheck;
import io.ingraft.app.cdc.MappingProblem;
import io.ingraft.app.cdc.MappingReader;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.engine.schema.GraphSchema;
import io.ingraft.storage.GraphId;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ingraft cdc}: change-data-capture tools (docs/cdc.md). */
@Command(
    name = "cdc",
    description = "Change data capture: Debezium change feeds into graphs.",
    mixinStandardHelpOptions = true,
    subcommands = CdcCommand.Check.class)
final class CdcCommand {

  /**
   * {@code ingraft cdc check --mapping FILE}: every problem of a mapping, one line each ({@code
   * FILE:line:column: problem}), checked against the graph's schema in storage when the graph
   * exists; runs nothing. Exit 0 when fine, 1 with problems, 3 when the file is missing.
   */
  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description = "Check a CDC mapping file (and the graph's schema, when the graph exists).")
  static final class Check implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin StorageOptions storage;

    @Option(
        names = "--mapping",
        paramLabel = "FILE",
        required = true,
        description = "The CDC mapping file (YAML or JSON).")
    Path mapping;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      MappingReader reader = MappingReader.of(mapping);
      CdcMapping parsed;
      try {
        parsed = reader.read();
      } catch (InvalidMappingException e) {
        return report(out, reader, e.problems());
      }
      Optional<GraphSchema> stored = Optional.empty();
      String against = parsed.schema() != null ? "the schema it declares" : "no schema";
      if (parsed.graph() != null && MappingCheck.isGraphId(parsed.graph())) {
        IngraftConfig config = storage.toConfig(Map.of());
        stored = CdcTopology.storedSchema(config, GraphId.of(parsed.graph()));
        if (stored.isPresent()) {
          against =
              (parsed.schema() != null ? "the schema it declares and " : "")
                  + "graph "
                  + parsed.graph()
                  + "'s schema in storage";
        }
      }
      List<MappingProblem> problems = MappingCheck.problems(reader, parsed, stored);
      if (!problems.isEmpty()) {
        return report(out, reader, problems);
      }
      out.println(
          mapping
              + ": ok ("
              + parsed.tables().size()
              + " tables, checked against "
              + against
              + ")");
      return ExitCodes.OK;
    }

    private static int report(
        PrintWriter out, MappingReader reader, List<MappingProblem> problems) {
      problems.forEach(problem -> out.println(reader.file() + ":" + problem));
      return ExitCodes.FAILED;
    }
  }
}
