package io.ingraft.storage.testing;

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
 * Runs a main class of the test classpath in a child JVM that can load Lance: it gets the {@code
 * --add-opens} flag and a private {@code java.io.tmpdir}, so the 181 MB native library a killed or
 * halted child leaves behind is deleted with that directory instead of piling up.
 */
public final class ChildJvm {
  private ChildJvm() {}

  /** What a finished child did. */
  public record Result(int exitCode, String output) {}

  /**
   * Runs {@code mainClass} with {@code args} and system properties {@code props} and waits for it
   * to exit, at most {@code timeoutSeconds}.
   */
  public static Result run(
      Class<?> mainClass, Map<String, String> props, long timeoutSeconds, String... args)
      throws IOException, InterruptedException {
    Path tmp =
        Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "child-jvm-");
    Path out = tmp.resolve("output.txt");
    Process child =
        new ProcessBuilder(command(mainClass, props, tmp, args))
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    try {
      if (!child.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        throw new AssertionError(
            "child "
                + mainClass.getSimpleName()
                + " did not exit within "
                + timeoutSeconds
                + " s; output:\n"
                + Files.readString(out, StandardCharsets.UTF_8));
      }
      return new Result(child.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      child.destroyForcibly();
      deleteRecursively(tmp);
    }
  }

  /**
   * A child JVM that is still running: its process (kill it with {@link #destroyForcibly()} to
   * simulate a crash) and its output so far. {@link #close()} kills it if it is alive and deletes
   * its private tmpdir. Its standard input is a pipe that stays open until the handle is closed, so
   * a child can watch it to stop when the test JVM dies.
   */
  public static final class Running implements AutoCloseable {
    private final Process process;
    private final Path tmp;
    private final Path out;

    private Running(Process process, Path tmp, Path out) {
      this.process = process;
      this.tmp = tmp;
      this.out = out;
    }

    public Process process() {
      return process;
    }

    public boolean isAlive() {
      return process.isAlive();
    }

    /** Kills the child (SIGKILL: no shutdown hooks, no flush) and waits until it is gone. */
    public void destroyForcibly() throws InterruptedException {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * Writes one line to the child's standard input (for a child that takes commands there, such as
     * arming a failpoint while it runs).
     */
    public void send(String line) throws IOException {
      process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
    }

    /** Everything the child printed so far (standard output and error). */
    public String output() {
      try {
        return Files.readString(out, StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "(cannot read the child's output: " + e + ")";
      }
    }

    @Override
    public void close() throws InterruptedException {
      try {
        process.getOutputStream().close();
      } catch (IOException e) {
        // Gone already.
      }
      destroyForcibly();
      deleteRecursively(tmp);
    }
  }

  /**
   * Starts {@code mainClass} with {@code args} and system properties {@code props} (same flags,
   * classpath and private tmpdir as {@link #run}) and returns at once.
   */
  public static Running start(Class<?> mainClass, Map<String, String> props, String... args)
      throws IOException {
    Path tmp =
        Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "child-jvm-");
    Path out = tmp.resolve("output.txt");
    Process child =
        new ProcessBuilder(command(mainClass, props, tmp, args))
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    return new Running(child, tmp, out);
  }

  private static List<String> command(
      Class<?> mainClass, Map<String, String> props, Path tmp, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
    command.add("-Xmx512m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-Djava.io.tmpdir=" + tmp);
    props.forEach((k, v) -> command.add("-D" + k + "=" + v));
    command.add("-cp");
    command.add(
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    return command;
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
