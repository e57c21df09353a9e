package io.ingraft.storage.object;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kills a JVM that is busy with put-if-absent of large objects (SIGKILL, at a few different
 * moments) and checks what survives in the local store: every listed key holds its whole content,
 * and an interrupted write is either absent or complete, never partial. A leftover {@code
 * .ingraft-tmp-*} file is expected and must stay invisible.
 */
class PutIfAbsentCrashTest {
  private static final Logger log = LoggerFactory.getLogger(PutIfAbsentCrashTest.class);
  private static final int OBJECT_SIZE = 16 * 1024 * 1024;
  private static final long DEADLINE_SECONDS = 120;

  /**
   * When to kill, run after run: as a write starts, after a few writes, and while a temp file is
   * visibly half written (the one moment most likely to tear an object if the publish were not
   * atomic).
   */
  private static final List<KillPoint> KILL_POINTS =
      List.of(
          new KillPoint(1, false),
          new KillPoint(3, false),
          new KillPoint(1, true),
          new KillPoint(2, true));

  /** Kill once the writer has announced {@code starts} writes, and then, if asked, mid-data. */
  private record KillPoint(int starts, boolean midData) {}

  @TempDir Path dir;

  @Test
  void killedWriterNeverLeavesAPartialObject() throws Exception {
    Path root = dir.resolve("store");
    for (int run = 0; run < KILL_POINTS.size(); run++) {
      String interrupted = runAndKill(root, KILL_POINTS.get(run));

      try (ObjectStore store = new LocalObjectStore(root)) {
        List<String> keys = store.list("");
        List<String> expectedKeys = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
          expectedKeys.add(PutIfAbsentWriterMain.keyOf(i));
        }
        assertThat(keys).as("keys after run %d", run).isEqualTo(expectedKeys);
        for (String key : keys) {
          assertThat(store.read(key))
              .as("content of %s after run %d", key, run)
              .isEqualTo(PutIfAbsentWriterMain.contentOf(key, OBJECT_SIZE));
        }
        assertThat(keys).noneMatch(key -> key.contains(ObjectKeys.TEMP_PREFIX));
        log.info(
            "run {} ({}): killed while writing {}; {} complete keys, temp files {}",
            run,
            KILL_POINTS.get(run),
            interrupted,
            keys.size(),
            tempFilesUnder(root));
      }
    }
  }

  /** Starts the writer, kills it at {@code point} and returns the key it was writing. */
  private static String runAndKill(Path root, KillPoint point) throws Exception {
    Set<Path> oldTempFiles = Set.copyOf(tempPathsUnder(root));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process child =
        new ProcessBuilder(
                java,
                "-Xmx256m",
                "-cp",
                classPath,
                PutIfAbsentWriterMain.class.getName(),
                root.toString(),
                String.valueOf(OBJECT_SIZE))
            .redirectErrorStream(true)
            .start();
    try {
      AtomicReference<String> writing = new AtomicReference<>();
      CompletableFuture<Void> reached = new CompletableFuture<>();
      List<String> output = new ArrayList<>();
      Thread reader =
          new Thread(
              () -> {
                int starts = 0;
                try (BufferedReader lines =
                    new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = lines.readLine()) != null) {
                    synchronized (output) {
                      output.add(line);
                    }
                    if (line.startsWith("writing ")) {
                      writing.set(line.substring("writing ".length()));
                      if (++starts == point.starts()) {
                        reached.complete(null);
                      }
                    }
                  }
                } catch (IOException e) {
                  // the pipe breaks when the child is killed
                }
                synchronized (output) {
                  reached.completeExceptionally(
                      new IllegalStateException("writer ended early; output: " + output));
                }
              },
              "writer-output");
      reader.setDaemon(true);
      reader.start();

      reached.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
      if (point.midData() && !awaitPartialTempFile(root, oldTempFiles, child)) {
        synchronized (output) {
          throw new AssertionError(
              "never saw a half-written temp file (writer alive="
                  + child.isAlive()
                  + "); output: "
                  + output);
        }
      }
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("killed writer exited").isTrue();
      return writing.get();
    } finally {
      child.destroyForcibly();
    }
  }

  /**
   * Polls (without sleeping: the window is a few milliseconds) until a temp file of this run holds
   * some but not all of an object's bytes.
   */
  private static boolean awaitPartialTempFile(Path root, Set<Path> oldTempFiles, Process child)
      throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
    while (System.nanoTime() < deadline && child.isAlive()) {
      for (Path temp : tempPathsUnder(root)) {
        if (oldTempFiles.contains(temp)) {
          continue;
        }
        long size;
        try {
          size = Files.size(temp);
        } catch (NoSuchFileException e) {
          continue; // published and removed meanwhile
        }
        if (size > 0 && size < OBJECT_SIZE) {
          return true;
        }
      }
      Thread.onSpinWait();
    }
    return false;
  }

  private static List<String> tempFilesUnder(Path root) throws IOException {
    return tempPathsUnder(root).stream()
        .map(file -> file.getFileName() + " (" + file.toFile().length() + " bytes)")
        .collect(Collectors.toList());
  }

  private static List<Path> tempPathsUnder(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(root)) {
      return files
          .filter(file -> file.getFileName().toString().startsWith(ObjectKeys.TEMP_PREFIX))
          .collect(Collectors.toList());
    }
  }
}
