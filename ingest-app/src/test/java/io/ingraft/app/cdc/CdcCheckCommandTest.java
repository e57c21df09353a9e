package io.ingraft.app.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.cli.IngraftCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ingraft cdc check}: exit 0 and one ok line, or exit 1 and a line per problem. */
class CdcCheckCommandTest {
  @TempDir Path dir;

  private record Run(int exit, String out) {}

  private Run check(Path mapping) {
    PrintStream original = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      int exit =
          IngraftCli.execute(
              "cdc",
              "check",
              "--mapping",
              mapping.toString(),
              "--storage-root",
              dir.resolve("data").toString());
      return new Run(exit, out.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(original);
    }
  }

  @Test
  void theExampleIsFine() {
    Run run = check(CdcMappingTest.EXAMPLE);
    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains(": ok (4 tables");
  }

  @Test
  void everyProblemIsOneLineWithItsPlace() throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(
        bad,
        Files.readString(CdcMappingTest.EXAMPLE)
            .replace("references: Customer}", "references: Client}")
            .replace("node: Product\n", "node: Produce\n"));
    Run run = check(bad);
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out().lines().toList())
        .hasSize(3)
        .allSatisfy(line -> assertThat(line).matches(".*bad\\.yaml:\\d+:\\d+: table public\\..*"));
  }
}
