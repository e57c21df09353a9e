package io.ingraft.app.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds the classpath of the Kafka Connect worker that runs Debezium: the file {@value #FILE} that
 * the source tree's {@code it/debezium-worker} Maven module writes (its build resolves Connect
 * 4.1.1, the Debezium PostgreSQL connector and their dependencies, and nothing else). Those jars
 * are never on Ingraft's own classpath; {@link ConnectWorker} starts them in a child JVM.
 *
 * <p>Where it looks: the file named by the system property {@value #PROPERTY}; otherwise {@code
 * it/debezium-worker/target/} (or {@code debezium-worker/target/}) in the working directory, in the
 * directory this class was loaded from, and in their parents. When only the module's {@code
 * pom.xml} is found, {@link #locateOrBuild} can run Maven to write the file.
 */
public final class DebeziumWorkerClasspath {
  /** The system property naming the classpath file directly. */
  public static final String PROPERTY = "ingraft.debezium.classpath-file";

  public static final String FILE = "debezium-worker.classpath";
  private static final String MODULE = "it/debezium-worker";

  private DebeziumWorkerClasspath() {}

  /** The worker's classpath, from the file; empty when no file is found. */
  public static Optional<String> locate() {
    String named = System.getProperty(PROPERTY);
    if (named != null && !named.isBlank()) {
      return Optional.of(read(Path.of(named)));
    }
    for (Path module : candidateModules()) {
      Path file = module.resolve("target").resolve(FILE);
      if (Files.isRegularFile(file)) {
        return Optional.of(read(file));
      }
    }
    return Optional.empty();
  }

  /**
   * The worker's classpath; when the file is missing but the module's {@code pom.xml} is found,
   * runs {@code mvn -B -q -f <pom> generate-resources} first (it downloads the jars from Maven
   * Central once).
   *
   * @throws LocalProcessException neither the file nor the module was found, or Maven failed
   */
  public static String locateOrBuild() {
    Optional<String> found = locate();
    if (found.isPresent()) {
      return found.get();
    }
    for (Path module : candidateModules()) {
      Path pom = module.resolve("pom.xml");
      if (Files.isRegularFile(pom)) {
        build(pom);
        return locate()
            .orElseThrow(
                () ->
                    new LocalProcessException(
                        "mvn", "built " + pom + " but no " + FILE + " appeared", null));
      }
    }
    throw new LocalProcessException(
        "connect",
        "the Debezium worker classpath is missing: no "
            + MODULE
            + "/target/"
            + FILE
            + " and no "
            + MODULE
            + "/pom.xml here or above; run from"
            + " the source tree, or name the file with -D"
            + PROPERTY
            + "=FILE",
        null);
  }

  private static void build(Path pom) {
    try {
      Path out = Files.createTempFile("ingraft-debezium-worker-", ".out");
      Process mvn =
          new ProcessBuilder("mvn", "-B", "-q", "-f", pom.toString(), "generate-resources")
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      if (!mvn.waitFor(15, TimeUnit.MINUTES) || mvn.exitValue() != 0) {
        mvn.destroyForcibly();
        throw new LocalProcessException(
            "mvn", "cannot resolve the Debezium worker classpath" + " from " + pom, out);
      }
      Files.deleteIfExists(out);
    } catch (IOException e) {
      throw new LocalProcessException("mvn", "cannot run Maven (is it installed?)", null, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalProcessException("mvn", "interrupted", null, e);
    }
  }

  private static List<Path> candidateModules() {
    List<Path> starts = new ArrayList<>();
    starts.add(Path.of("").toAbsolutePath());
    try {
      starts.add(
          Path.of(
                  DebeziumWorkerClasspath.class
                      .getProtectionDomain()
                      .getCodeSource()
                      .getLocation()
                      .toURI())
              .toAbsolutePath());
    } catch (URISyntaxException | RuntimeException e) {
      // No code source (a custom class loader): the working directory is enough.
    }
    List<Path> modules = new ArrayList<>();
    for (Path start : starts) {
      for (Path dir = start; dir != null; dir = dir.getParent()) {
        modules.add(dir.resolve(MODULE));
        modules.add(dir.resolve("debezium-worker"));
      }
    }
    return modules;
  }

  private static String read(Path file) {
    try {
      String classpath = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (classpath.isEmpty()) {
        throw new LocalProcessException("connect", "empty classpath file " + file, null);
      }
      return classpath;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
