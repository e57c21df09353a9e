package io.ingraft.storage.testing;

import io.ingraft.storage.StorageConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 server for tests: s3proxy 4.1.0 with its in-memory (or on-disk) backend, run as a child
 * process on a random loopback port (out of process, so its dependencies never meet Lance's), with
 * one bucket. One server is started per test JVM by {@link #shared()} and killed when the JVM
 * exits; tests isolate themselves with a unique key prefix passed to {@link #config(String)}. A
 * test that stops and restarts its server takes one of its own from {@link #onDisk(Path)}. The jar
 * is found through the system property {@code ingraft.s3proxy.jar}, else at {@code
 * target/s3proxy/s3proxy.jar} (where the storage module's build copies it).
 */
public final class S3ProxyServer implements AutoCloseable {
  public static final String JAR_PROPERTY = "ingraft.s3proxy.jar";
  public static final String ACCESS_KEY = "test-access-key";
  public static final String SECRET_KEY = "test-secret-key";
  public static final String REGION = "us-east-1";
  private static final String BUCKET = "ingraft-test";
  private static final long START_TIMEOUT_SECONDS = 60;
  private static final Pattern STARTED =
      Pattern.compile("Started .*ServerConnector@.*\\{(127\\.0\\.0\\.1):(\\d+)\\}");
  private static final Logger log = LoggerFactory.getLogger(S3ProxyServer.class);

  private static S3ProxyServer shared;

  private final URI endpoint;
  private final Path properties;

  /** The running child, null while stopped. */
  private Process process;

  private S3ProxyServer(URI endpoint, Path properties, Process process) {
    this.endpoint = endpoint;
    this.properties = properties;
    this.process = process;
  }

  /** The server of this test JVM, started on first use. */
  public static synchronized S3ProxyServer shared() {
    if (shared == null) {
      shared = start(backend("transient", null));
    }
    return shared;
  }

  /**
   * A server of the caller's own whose objects live as files under {@code dataDir} (s3proxy's
   * filesystem backend), so that it can be {@link #stop() stopped} and {@link #restart() restarted}
   * on the same port with its data intact. The caller closes it.
   */
  public static S3ProxyServer onDisk(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dataDir, e);
    }
    return start(backend("filesystem", dataDir.toAbsolutePath()));
  }

  /** The server's base URL, e.g. {@code http://127.0.0.1:42535}. */
  public URI endpoint() {
    return endpoint;
  }

  public String bucket() {
    return BUCKET;
  }

  /** A storage config for {@code s3://<bucket>/<prefix>} on this server, with its test keys. */
  public StorageConfig config(String prefix) {
    return StorageConfig.s3(BUCKET, prefix, endpoint, REGION, ACCESS_KEY, SECRET_KEY);
  }

  /** Stops the server process (SIGTERM, then kill); its port is refused until {@link #restart}. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    log.info("s3proxy on {} stopped", endpoint);
    process = null;
  }

  /**
   * Starts a stopped server again on the same port with the same backend (and so, for {@link
   * #onDisk}, the same objects); fails if the port cannot be bound again.
   */
  public synchronized void restart() {
    if (process != null) {
      throw new IllegalStateException("s3proxy on " + endpoint + " is running");
    }
    try {
      List<String> lines =
          Files.readAllLines(properties).stream()
              .map(
                  line ->
                      line.startsWith("s3proxy.endpoint=") ? "s3proxy.endpoint=" + endpoint : line)
              .toList();
      Files.write(properties, lines);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the s3proxy properties file", e);
    }
    process = launch(properties);
    int port = awaitPort(process);
    if (port != endpoint.getPort()) {
      process.destroyForcibly();
      throw new IllegalStateException(
          "s3proxy came back on port " + port + ", not " + endpoint.getPort());
    }
    log.info("s3proxy pid {} serves {} again", process.pid(), endpoint);
  }

  /** Stops the server and removes its properties file (the data directory is the caller's). */
  @Override
  public void close() {
    stop();
    try {
      Files.deleteIfExists(properties);
    } catch (IOException e) {
      // best effort: the file lives in the build's tmp dir
    }
  }

  private static Path backend(String provider, Path dataDir) {
    try {
      Path properties = Files.createTempFile("s3proxy-", ".properties");
      List<String> lines =
          new ArrayList<>(
              List.of(
                  "s3proxy.endpoint=http://127.0.0.1:0",
                  "s3proxy.authorization=aws-v2-or-v4",
                  "s3proxy.identity=" + ACCESS_KEY,
                  "s3proxy.credential=" + SECRET_KEY,
                  "jclouds.provider=" + provider,
                  "jclouds.identity=unused",
                  "jclouds.credential=unused"));
      if (dataDir != null) {
        lines.add("jclouds.filesystem.basedir=" + dataDir);
      }
      Files.write(properties, lines);
      return properties;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the s3proxy properties file", e);
    }
  }

  private static S3ProxyServer start(Path properties) {
    Process process = launch(properties);
    URI endpoint = URI.create("http://127.0.0.1:" + awaitPort(process));
    try {
      createBucket(endpoint);
    } catch (RuntimeException e) {
      process.destroyForcibly();
      throw e;
    }
    log.info("s3proxy pid {} serves {} with bucket {}", process.pid(), endpoint, BUCKET);
    S3ProxyServer server = new S3ProxyServer(endpoint, properties, process);
    // The JVM's exit kills whatever child is running then (shared() is never closed).
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "s3proxy-stop"));
    return server;
  }

  private static Process launch(Path properties) {
    Path jar = locateJar();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    try {
      return new ProcessBuilder(
              java, "-Xmx256m", "-jar", jar.toString(), "--properties", properties.toString())
          .redirectErrorStream(true)
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start s3proxy from " + jar, e);
    }
  }

  private static Path locateJar() {
    String configured = System.getProperty(JAR_PROPERTY);
    Path jar =
        configured != null ? Path.of(configured) : Path.of("target", "s3proxy", "s3proxy.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "s3proxy jar not found at "
              + jar.toAbsolutePath()
              + ": run the storage module's build to generate-test-resources (it copies the jar there),"
              + " or set -D"
              + JAR_PROPERTY
              + "=/path/to/s3proxy-4.1.0-jar-with-dependencies.jar");
    }
    return jar;
  }

  /**
   * Reads the child's output on a daemon thread (which keeps draining it, so the child never blocks
   * on a full pipe) until the "Started ... ServerConnector" line names the bound port.
   */
  private static int awaitPort(Process process) {
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Deque<String> tail = new ArrayDeque<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                  log.debug("s3proxy: {}", line);
                  synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > 40) {
                      tail.removeFirst();
                    }
                  }
                  Matcher matcher = STARTED.matcher(line);
                  if (!port.isDone() && matcher.find()) {
                    port.complete(Integer.parseInt(matcher.group(2)));
                  }
                }
              } catch (IOException e) {
                port.completeExceptionally(e);
              }
              port.completeExceptionally(new IllegalStateException("s3proxy output ended"));
            },
            "s3proxy-output");
    reader.setDaemon(true);
    reader.start();
    try {
      return port.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException("interrupted while starting s3proxy", e);
    } catch (ExecutionException | TimeoutException e) {
      process.destroyForcibly();
      String output;
      synchronized (tail) {
        output = String.join("\n", tail);
      }
      throw new IllegalStateException(
          "s3proxy did not report its port within "
              + START_TIMEOUT_SECONDS
              + " s (alive="
              + process.isAlive()
              + "); last output:\n"
              + output,
          e);
    }
  }

  private static void createBucket(URI endpoint) {
    try (S3Client s3 =
        S3Client.builder()
            .httpClientBuilder(UrlConnectionHttpClient.builder())
            .endpointOverride(endpoint)
            .region(Region.of(REGION))
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
            .build()) {
      s3.createBucket(b -> b.bucket(BUCKET));
    }
  }
}
