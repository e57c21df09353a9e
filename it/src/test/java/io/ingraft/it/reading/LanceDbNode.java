package io.ingraft.it.reading;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * LanceDB's Node package ({@code @lancedb/lancedb}, pinned in {@code it/src/test/node}) as a
 * third-party reader: installs it with {@code npm ci} into {@code target/read-pins-node} (once per
 * lock file) and runs {@code read-pins.mjs} over an {@code ingraft graph pins --json} document.
 */
final class LanceDbNode {
  private static final Path SOURCES = Path.of("src", "test", "node");
  private static final String LOCK = "package-lock.json";

  /** Written after a successful {@code npm ci}: the lock it installed, so a rerun can skip it. */
  private static final String INSTALLED = "node_modules/.ingraft-installed-lock";

  private final Path dir;

  private LanceDbNode(Path dir) {
    this.dir = dir;
  }

  /** Skips the calling test, with what to install, when node or npm is missing. */
  static LanceDbNode install(Path targetDir) throws IOException, InterruptedException {
    Assumptions.assumeTrue(
        onPath("node") && onPath("npm"),
        "skipped: node and npm are not installed; apt-get install nodejs npm (.ci/run does)");
    Path dir = targetDir.resolve("read-pins-node");
    Files.createDirectories(dir);
    for (String file : List.of("package.json", LOCK, "read-pins.mjs")) {
      Files.copy(SOURCES.resolve(file), dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
    Path installed = dir.resolve(INSTALLED);
    String lock = Files.readString(dir.resolve(LOCK), StandardCharsets.UTF_8);
    if (!Files.exists(installed)
        || !Files.readString(installed, StandardCharsets.UTF_8).equals(lock)) {
      // npm waits 5 minutes on a stalled download before it retries (fetch-timeout 300000): a
      // registry connection that hung once took the whole time budget in a CI run. A minute per
      // attempt and more retries let npm recover by itself.
      run(
          dir,
          300,
          "npm",
          "ci",
          "--no-audit",
          "--no-fund",
          "--loglevel=error",
          "--fetch-timeout=60000",
          "--fetch-retries=4");
      Files.writeString(installed, lock, StandardCharsets.UTF_8);
    }
    return new LanceDbNode(dir);
  }

  /**
   * The rows LanceDB reads at the versions {@code pins} names (or at each table's HEAD), as the
   * script's JSON: {@code {"<table>": {"version": N, "rows": [...]}}}.
   */
  String read(Path pins, boolean head) throws IOException, InterruptedException {
    return read(pins, head, Map.of());
  }

  /** {@link #read(Path, boolean)} with extra environment variables (a reader's S3 credentials). */
  String read(Path pins, boolean head, Map<String, String> env)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("node", "read-pins.mjs", pins.toString()));
    if (head) {
      command.add("--head");
    }
    return run(dir, 120, env, command.toArray(String[]::new));
  }

  private static String run(Path dir, long timeoutSeconds, String... command)
      throws IOException, InterruptedException {
    return run(dir, timeoutSeconds, Map.of(), command);
  }

  private static String run(
      Path dir, long timeoutSeconds, Map<String, String> env, String... command)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile(dir, "out-", ".txt");
    Path err = Files.createTempFile(dir, "err-", ".txt");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    try {
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        throw new AssertionError(
            String.join(" ", command) + " still running after " + timeoutSeconds + " s");
      }
      String stdout = Files.readString(out, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new AssertionError(
            String.join(" ", command)
                + " exited "
                + process.exitValue()
                + ": "
                + Files.readString(err, StandardCharsets.UTF_8));
      }
      return stdout;
    } finally {
      process.destroyForcibly();
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String entry : path.split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(entry, program))) {
        return true;
      }
    }
    return false;
  }
}
