package io.ingraft.it.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code ingraft} as the launcher runs it, in a child JVM on the test classpath: the Lance flag, a
 * private {@code java.io.tmpdir}, the log format of {@code INGRAFT_LOG_FORMAT} (text or JSON, the
 * same Logback file the launcher picks) and an environment of the test's choosing (no inherited
 * {@code INGRAFT_*} variable). Standard output and error are kept apart, as an operator sees them.
 */
final class CliProcess implements AutoCloseable {
  /** What a command printed and how it ended. */
  record Result(int exitCode, String out, String err) {
    /** Both streams, for greps. */
    String all() {
      return out + err;
    }
  }

  private final Process process;
  private final Path tmp;

  private CliProcess(Process process, Path tmp) {
    this.process = process;
    this.tmp = tmp;
  }

  /** Starts {@code ingraft args} and returns at once. */
  static CliProcess start(boolean json, Map<String, String> env, String... args)
      throws IOException {
    Path tmp = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "cli-");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
    command.add("-Xmx512m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-Djava.io.tmpdir=" + tmp);
    command.add("-Dlogback.configurationFile=" + (json ? "logback-json.xml" : "logback.xml"));
    command.add("-cp");
    command.add(
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.add("io.ingraft.app.cli.IngraftCli");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().keySet().removeIf(k -> k.startsWith("INGRAFT_"));
    builder.environment().putAll(env);
    if (json) {
      builder.environment().put("INGRAFT_LOG_FORMAT", "json");
    }
    builder.redirectOutput(tmp.resolve("out.txt").toFile());
    builder.redirectError(tmp.resolve("err.txt").toFile());
    return new CliProcess(builder.start(), tmp);
  }

  /** Runs {@code ingraft args} to its end (at most two minutes). */
  static Result run(boolean json, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    try (CliProcess cli = start(json, env, args)) {
      return cli.await(120);
    }
  }

  /** Asks for a graceful stop (SIGTERM), as an orchestrator does. */
  void terminate() {
    process.destroy();
  }

  /** Waits up to {@code millis} for the process to exit (a poll interval that ends early). */
  void awaitQuietly(long millis) throws InterruptedException {
    process.waitFor(millis, TimeUnit.MILLISECONDS);
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Standard error so far. */
  String err() {
    return read("err.txt");
  }

  Result await(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      throw new AssertionError(
          "ingraft did not exit within " + seconds + " s; stderr:\n" + read("err.txt"));
    }
    return new Result(process.exitValue(), read("out.txt"), read("err.txt"));
  }

  private String read(String name) {
    try {
      return Files.readString(tmp.resolve(name), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    try (Stream<Path> paths = Files.walk(tmp)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
