package io.ingraft.it.observe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code chromium} (installed by {@code .ci/run}) run headless: a page's rendered DOM, or
 * a screenshot of it. Each run gets a new profile directory, and every background feature that
 * would reach the network is off.
 */
public final class HeadlessChromium {
  private static final long TIMEOUT_SECONDS = 60;

  private final Path workDir;

  /** Runs that keep their profiles and output logs under {@code workDir}. */
  public HeadlessChromium(Path workDir) {
    this.workDir = workDir;
  }

  /** The DOM of {@code url} after it loaded, serialized as HTML. */
  public String dumpDom(String url) throws IOException, InterruptedException {
    return run(List.of("--dump-dom", url));
  }

  /** Writes a PNG screenshot of {@code url} at {@code width} x {@code height} to {@code png}. */
  public void screenshot(String url, Path png, int width, int height)
      throws IOException, InterruptedException {
    Files.createDirectories(png.toAbsolutePath().getParent());
    Files.deleteIfExists(png);
    run(
        List.of(
            "--screenshot=" + png.toAbsolutePath(),
            "--window-size=" + width + "," + height,
            "--hide-scrollbars",
            url));
    if (!Files.isRegularFile(png) || Files.size(png) == 0) {
      throw new IllegalStateException("chromium wrote no screenshot to " + png);
    }
  }

  private String run(List<String> args) throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    Path profile = Files.createTempDirectory(workDir, "chromium-profile-");
    Path stdout = Files.createTempFile(workDir, "chromium-", ".out");
    Path stderr = Files.createTempFile(workDir, "chromium-", ".err");
    List<String> command =
        new ArrayList<>(
            List.of(
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + profile));
    command.addAll(args);
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile())
            .start();
    if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new IllegalStateException(
          "chromium did not finish in " + TIMEOUT_SECONDS + " s: " + Files.readString(stderr));
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException(
          "chromium exited with " + process.exitValue() + ": " + Files.readString(stderr));
    }
    return Files.readString(stdout, StandardCharsets.UTF_8);
  }
}
