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
 * Runs a main class of the test classpath in a child JVM that can load Lance: it gets the
 * {@code --add-opens} flag and a private {@code java.io.tmpdir}, so the 181 MB native library a
 * killed or halted child leaves behind is deleted with that directory instead of piling up.
 */
public final class ChildJvm {
  private ChildJvm() {
  }

  /** What a finished child did. */
  public record Result(int exitCode, String output) {
  }

  /**
   * Runs {@code mainClass} with {@code args} and system properties {@code props} and waits for it
   * to exit, at most {@code timeoutSeconds}.
   */
  public static Result run(Class<?> mainClass, Map<String, String> props, long timeoutSeconds,
      String... args) throws IOException, InterruptedException {
    Path tmp = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "child-jvm-");
    Path out = tmp.resolve("output.txt");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
    command.add("-Xmx512m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-Djava.io.tmpdir=" + tmp);
    props.forEach((k, v) -> command.add("-D" + k + "=" + v));
    command.add("-cp");
    command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    Process child = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(out.toFile()).start();
    try {
      if (!child.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        throw new AssertionError("child " + mainClass.getSimpleName() + " did not exit within "
            + timeoutSeconds + " s; output:\n" + Files.readString(out, StandardCharsets.UTF_8));
      }
      return new Result(child.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      child.destroyForcibly();
      deleteRecursively(tmp);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
