package io.ingraft.it.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's quick start, as a newcomer runs it: {@code ./ingraft demo} through the launcher
 * script at the repository root (a real broker child JVM, both stages, the sample stream), then
 * {@code ./ingraft graph verify} on what it wrote.
 */
class DemoLauncherTest {
  private static final Path REPO = Path.of(System.getProperty("user.dir")).getParent();

  @Test
  void theQuickStartDemoRunsToCompletion() throws Exception {
    Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "demo-");
    Result demo =
        run(
            List.of(
                "demo",
                "--dir",
                dir.toString(),
                "--people",
                "500",
                "--timeout",
                "150",
                "--http-port",
                "0"));
    assertThat(demo.exitCode()).as(demo.output()).isZero();
    assertThat(demo.output())
        .containsPattern("status page http://127\\.0\\.0\\.1:[0-9]+/")
        .contains("Summary")
        .containsPattern("events rejected\\s+4")
        .containsPattern("dead letters \\(stage 1 \\+ writer\\)\\s+5")
        .containsPattern("Person\\s+490")
        .contains("Stopped the pipeline and the broker.");

    Result verify =
        run(
            List.of(
                "graph",
                "verify",
                "--storage-root",
                dir.resolve("graphs").toString(),
                "--graph",
                "social",
                "--json"));
    assertThat(verify.exitCode()).as(verify.output()).isZero();
    assertThat(verify.output()).contains("\"ok\":true");
  }

  private record Result(int exitCode, String output) {}

  private static Result run(List<String> args) throws Exception {
    Path log =
        Files.createTempFile(Path.of(System.getProperty("java.io.tmpdir")), "launcher-", ".log");
    List<String> command = new java.util.ArrayList<>();
    command.add(REPO.resolve("ingraft").toString());
    command.addAll(args);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(REPO.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    // The launcher's JVM extracts Lance's native library into its own tmpdir, under target/.
    builder
        .environment()
        .put(
            "INGRAFT_TMPDIR", Path.of(System.getProperty("java.io.tmpdir"), "launcher").toString());
    Process process = builder.start();
    try {
      if (!process.waitFor(240, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        throw new AssertionError(
            "./ingraft "
                + args
                + " did not finish:\n"
                + Files.readString(log, StandardCharsets.UTF_8));
      }
      return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      process.destroyForcibly();
    }
  }
}
