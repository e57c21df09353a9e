package io.ingraft.app.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka Connect worker in standalone mode running one source connector (the Debezium PostgreSQL
 * connector in the CDC tests, benchmark and demo), as a child JVM on a classpath of its own ({@link
 * DebeziumWorkerClasspath}): Connect 4.1.1 and Debezium never share a class loader with Ingraft's
 * Kafka 4.4 clients.
 *
 * <p>Layout of the directory given to {@link #builder(Path)}:
 *
 * <pre>
 *   worker.properties      the worker: broker, JSON converters, file offsets, REST listener
 *   connector.properties   the connector, as given to {@link Builder#connector}
 *   offsets.dat            the source offsets (kept: a restarted worker resumes from them)
 *   connect.log            everything the worker prints (appended)
 * </pre>
 *
 * <p>Ready means the REST API reports the connector and its task {@code RUNNING} ({@code GET
 * /connectors/NAME/status}), polled until a deadline; a task that fails, or a worker that exits,
 * fails the start with the task's trace or the log's tail. Measured here: 20–35 s from a cold JVM
 * on two busy cores.
 *
 * <p>{@link #close()} stops the worker with SIGTERM (Connect flushes its offsets), then kills it
 * after a grace period; a shutdown hook kills it if this JVM exits first.
 */
public final class ConnectWorker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectWorker.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String MAIN_CLASS = "org.apache.kafka.connect.cli.ConnectStandalone";
  private static final String HOST = "127.0.0.1";
  private static final int LOG_TAIL_BYTES = 6000;

  private final Path directory;
  private final Path logFile;
  private final Process process;
  private final String connector;
  private final URI rest;
  private final HttpClient http;
  private final Thread shutdownHook;

  /** Set once, when the task runs. */
  private volatile Duration startupTime = Duration.ZERO;

  private ConnectWorker(
      Path directory, Process process, String connector, URI rest, HttpClient http) {
    this.directory = directory;
    this.logFile = directory.resolve("connect.log");
    this.process = process;
    this.connector = connector;
    this.rest = rest;
    this.http = http;
    this.shutdownHook = new Thread(process::destroyForcibly, "connect-worker-kill");
  }

  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  /**
   * The Debezium PostgreSQL connector's settings for {@code server}, as Ingraft's CDC mapping
   * expects them (docs/cdc.md): {@code pgoutput}, a publication of all tables, transaction metadata
   * on, truncates emitted ({@code skipped.operations=none}), decimals as text and timestamps as
   * epoch milliseconds (readable without the converter's schemas); topics {@code
   * <prefix>.<schema>.<table>} created with {@code partitions} partitions, and {@code
   * <prefix>.transaction} with one (Ingraft requires it). A fresh mutable map; put more settings in
   * before {@link Builder#connector}.
   */
  public static Map<String, String> debeziumPostgres(
      LocalPostgres server, String topicPrefix, String slot, int partitions) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
    c.put("tasks.max", "1");
    c.put("database.hostname", server.host());
    c.put("database.port", Integer.toString(server.port()));
    c.put("database.user", LocalPostgres.USER);
    c.put("database.password", "unused");
    c.put("database.dbname", LocalPostgres.DATABASE);
    c.put("topic.prefix", topicPrefix);
    c.put("plugin.name", "pgoutput");
    c.put("slot.name", slot);
    c.put("publication.autocreate.mode", "all_tables");
    c.put("provide.transaction.metadata", "true");
    c.put("snapshot.mode", "initial");
    // Debezium skips truncates unless told otherwise; the mapping empties the type on one.
    c.put("skipped.operations", "none");
    c.put("decimal.handling.mode", "string");
    c.put("time.precision.mode", "connect");
    c.put("topic.creation.default.partitions", Integer.toString(partitions));
    c.put("topic.creation.default.replication.factor", "1");
    c.put("topic.creation.groups", "transactions");
    c.put(
        "topic.creation.transactions.include", topicPrefix.replace(".", "\\.") + "\\.transaction");
    c.put("topic.creation.transactions.partitions", "1");
    c.put("topic.creation.transactions.replication.factor", "1");
    return c;
  }

  public Path directory() {
    return directory;
  }

  public Path logFile() {
    return logFile;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The worker JVM, for callers that must watch or kill it. */
  public ProcessHandle processHandle() {
    return process.toHandle();
  }

  /** How long the start took until the task ran. */
  public Duration startupTime() {
    return startupTime;
  }

  /** The REST API's base, {@code http://127.0.0.1:PORT/}. */
  public URI restUri() {
    return rest;
  }

  /** The connector's status document ({@code GET /connectors/NAME/status}). */
  public JsonNode status() {
    return get("connectors/" + connector + "/status");
  }

  /** The last bytes of the worker's log, for error messages. */
  public String logTail() {
    return tail(logFile);
  }

  private JsonNode get(String path) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(rest.resolve(path))
                  .timeout(Duration.ofSeconds(5))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new LocalProcessException(
            "connect",
            "GET " + path + ": HTTP " + response.statusCode() + " " + response.body(),
            logFile);
      }
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalProcessException("connect", "interrupted", logFile, e);
    }
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // Shutting down already: the hook kills the worker.
    }
    try {
      if (process.isAlive()) {
        long t0 = System.nanoTime();
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          LOG.warn("Connect worker pid {} did not stop within 30 s, killing it", process.pid());
          process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        LOG.info(
            "Connect worker pid {} stopped in {} ms",
            process.pid(),
            (System.nanoTime() - t0) / 1_000_000);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Options of a {@link ConnectWorker}; {@link #start()} starts it. */
  public static final class Builder {
    private final Path directory;
    private String bootstrapServers;
    private String classpath;
    private String name = "source";
    private Map<String, String> connectorConfig;
    private boolean schemas;
    private final Map<String, String> workerOverrides = new LinkedHashMap<>();
    private List<String> jvmOptions =
        List.of(
            "-Xms64m",
            "-Xmx512m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Djava.awt.headless=true");
    private Duration startupTimeout = Duration.ofSeconds(180);

    private Builder(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory").toAbsolutePath();
    }

    public Builder bootstrapServers(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
      return this;
    }

    /** The worker's classpath (default: {@link DebeziumWorkerClasspath#locateOrBuild()}). */
    public Builder classpath(String classpath) {
      this.classpath = classpath;
      return this;
    }

    /** The connector's name and settings ({@code connector.class} and the rest). */
    public Builder connector(String name, Map<String, String> config) {
      this.name = name;
      this.connectorConfig = new LinkedHashMap<>(config);
      return this;
    }

    /** JSON converters with schemas ({@code schemas.enable=true}) or without (the default). */
    public Builder schemas(boolean schemas) {
      this.schemas = schemas;
      return this;
    }

    /** Sets or overrides one worker setting. */
    public Builder worker(String key, String value) {
      workerOverrides.put(key, value);
      return this;
    }

    public Builder jvmOptions(List<String> options) {
      this.jvmOptions = List.copyOf(options);
      return this;
    }

    public Builder startupTimeout(Duration timeout) {
      this.startupTimeout = timeout;
      return this;
    }

    /** Writes the configuration, starts the worker and waits until the task runs. */
    public ConnectWorker start() {
      Objects.requireNonNull(bootstrapServers, "bootstrapServers");
      Objects.requireNonNull(connectorConfig, "connector");
      String cp = classpath != null ? classpath : DebeziumWorkerClasspath.locateOrBuild();
      long t0 = System.nanoTime();
      int port = freePort();
      URI rest = URI.create("http://" + HOST + ":" + port + "/");
      Process process;
      try {
        Files.createDirectories(directory);
        Path workerFile = write(directory.resolve("worker.properties"), workerConfig(port));
        Map<String, String> connector = new LinkedHashMap<>();
        connector.put("name", name);
        connector.putAll(connectorConfig);
        Path connectorFile = write(directory.resolve("connector.properties"), connector);
        Path log = directory.resolve("connect.log");
        Path argFile = directory.resolve("jvm.args");
        Files.writeString(
            argFile,
            "-cp\n\"" + cp.replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n",
            StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
        command.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");
        command.add("@" + argFile);
        command.add(MAIN_CLASS);
        command.add(workerFile.toString());
        command.add(connectorFile.toString());
        process =
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
      } catch (IOException e) {
        throw new LocalProcessException("connect", "cannot start the worker", null, e);
      }
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      ConnectWorker worker = new ConnectWorker(directory, process, name, rest, http);
      Runtime.getRuntime().addShutdownHook(worker.shutdownHook);
      try {
        awaitRunning(worker);
      } catch (RuntimeException e) {
        worker.close();
        throw e;
      }
      worker.startupTime = Duration.ofNanos(System.nanoTime() - t0);
      LOG.info(
          "Connect worker pid {} running connector {} in {} ms (REST {})",
          process.pid(),
          name,
          worker.startupTime.toMillis(),
          rest);
      return worker;
    }

    private Map<String, String> workerConfig(int port) {
      Map<String, String> w = new LinkedHashMap<>();
      w.put("bootstrap.servers", bootstrapServers);
      w.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
      w.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
      w.put("key.converter.schemas.enable", Boolean.toString(schemas));
      w.put("value.converter.schemas.enable", Boolean.toString(schemas));
      w.put("offset.storage.file.filename", directory.resolve("offsets.dat").toString());
      w.put("offset.flush.interval.ms", "1000");
      // The connector is on the worker's classpath; no plugin.path to scan.
      w.put("plugin.discovery", "only_scan");
      w.put("listeners", "http://" + HOST + ":" + port);
      w.put("rest.advertised.host.name", HOST);
      w.putAll(workerOverrides);
      return w;
    }

    private void awaitRunning(ConnectWorker worker) {
      long deadline = System.nanoTime() + startupTimeout.toNanos();
      String last = "no answer yet";
      while (true) {
        if (!worker.process.isAlive()) {
          throw new LocalProcessException(
              "connect",
              "the worker exited with status "
                  + worker.process.exitValue()
                  + " before its task ran; log tail:\n"
                  + tail(worker.logFile),
              worker.logFile);
        }
        JsonNode status = null;
        try {
          status = worker.status();
          last = status.toString();
        } catch (UncheckedIOException e) {
          if (!(e.getCause() instanceof ConnectException)) {
            last = e.getCause().toString();
          }
        } catch (LocalProcessException e) {
          last = e.getMessage(); // 404 until the connector is registered
        }
        if (status != null) {
          String connectorState = status.path("connector").path("state").asText();
          JsonNode task = status.path("tasks").path(0);
          String taskState = task.path("state").asText();
          if ("FAILED".equals(connectorState) || "FAILED".equals(taskState)) {
            throw new LocalProcessException(
                "connect",
                "connector "
                    + name
                    + " failed: "
                    + status.path("connector").path("trace").asText(task.path("trace").asText()),
                worker.logFile);
          }
          if ("RUNNING".equals(connectorState) && "RUNNING".equals(taskState)) {
            return;
          }
        }
        if (System.nanoTime() - deadline > 0) {
          throw new LocalProcessException(
              "connect",
              "connector "
                  + name
                  + " not running after "
                  + startupTimeout
                  + " (last status: "
                  + last
                  + "); log tail:\n"
                  + tail(worker.logFile),
              worker.logFile);
        }
        try {
          // Poll interval; returns early if the worker exits.
          worker.process.waitFor(250, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new LocalProcessException("connect", "interrupted", worker.logFile, e);
        }
      }
    }
  }

  private static Path write(Path file, Map<String, String> settings) throws IOException {
    StringBuilder text =
        new StringBuilder("# Written by ")
            .append(ConnectWorker.class.getName())
            .append(" at every start.\n");
    settings.forEach(
        (k, v) ->
            text.append(k)
                .append('=')
                .append(v.replace("\\", "\\\\").replace("\n", "\\n"))
                .append('\n'));
    Files.writeString(file, text.toString(), StandardCharsets.UTF_8);
    return file;
  }

  private static String tail(Path file) {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long start = Math.max(0, raf.length() - LOG_TAIL_BYTES);
      byte[] bytes = new byte[(int) (raf.length() - start)];
      raf.seek(start);
      raf.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
