package io.ingraft.it.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's {@code prometheus}, installed by {@code .ci/run}) on loopback,
 * scraping one target every second, with its TSDB in a directory of the test; and instant queries
 * over its HTTP API ({@code /api/v1/query}).
 */
public final class PrometheusServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final URI base;
  private final Path log;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private PrometheusServer(Process process, URI base, Path log) {
    this.process = process;
    this.base = base;
    this.log = log;
  }

  /** Starts Prometheus in {@code dir}, scraping {@code target} ({@code host:port}) every second. */
  public static PrometheusServer start(Path dir, String target) throws IOException {
    Files.createDirectories(dir);
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: ingraft
            static_configs:
              - targets: ['%s']
        """
            .formatted(target));
    int port = freePort();
    Path log = dir.resolve("prometheus.log");
    Process process =
        new ProcessBuilder(
                "prometheus",
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    PrometheusServer server =
        new PrometheusServer(process, URI.create("http://127.0.0.1:" + port + "/"), log);
    try {
      server.awaitReady();
    } catch (RuntimeException | IOException e) {
      server.close();
      throw e;
    }
    return server;
  }

  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "prometheus exited with " + process.exitValue() + ": " + Files.readString(log));
      }
      try {
        HttpResponse<String> ready =
            http.send(
                HttpRequest.newBuilder(base.resolve("-/ready"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "prometheus not ready after " + START_TIMEOUT + ": " + Files.readString(log));
      }
      try {
        process.waitFor(100, TimeUnit.MILLISECONDS); // poll cadence while it starts
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * The result of an instant query: a vector of {@code {metric, value}}, as Prometheus sends it.
   */
  public JsonNode query(String promql) {
    URI uri =
        base.resolve("api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode body = JSON.readTree(response.body());
      if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
        throw new IllegalStateException("query " + promql + " failed: " + response.body());
      }
      return body.path("data").path("result");
    } catch (IOException e) {
      throw new IllegalStateException("query " + promql + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The value of a query that yields one sample, or empty when it yields none. */
  public OptionalDouble scalar(String promql) {
    JsonNode result = query(promql);
    if (result.isEmpty()) {
      return OptionalDouble.empty();
    }
    if (result.size() > 1) {
      throw new IllegalStateException(promql + " yields " + result.size() + " series: " + result);
    }
    return OptionalDouble.of(Double.parseDouble(result.get(0).path("value").get(1).asText()));
  }

  /** The health Prometheus records for its scrape of the target ({@code up}). */
  public OptionalDouble up() {
    return scalar("up{job=\"ingraft\"}");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
