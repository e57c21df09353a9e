package io.ingraft.app.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running as a child JVM on
 * 127.0.0.1: the broker of the quick start ({@code ingraft demo}) and of tests that must kill or
 * restart the broker itself. No Docker and no download: the child runs on this JVM's own classpath,
 * which must hold {@code kafka_2.13} (a runtime dependency of the demo module, in {@code lib/demo/}
 * of the distribution).
 *
 * <p>Layout of the directory given to {@link #builder(Path)}:
 *
 * <pre>
 *   server.properties      the broker configuration, rewritten at every start
 *   logback-broker.xml     the child's logging configuration (console, which is the log file)
 *   jvm.args               the child's classpath, as a java @argfile (no command-line limit)
 *   broker.log             everything the child prints: broker log and JVM errors (appended)
 *   data/                  log.dirs and the KRaft metadata log; kept across restarts
 * </pre>
 *
 * <p>Start: the child ({@link LocalKafkaBrokerMain}) formats {@code data/} (keeping an already
 * formatted one: the cluster id is read back from {@code data/meta.properties}) and runs {@code
 * kafka.Kafka}. Ready means an {@link Admin} {@code describeCluster} lists the broker; it is polled
 * until a deadline, and a child that exits first fails the start with the tail of its log. Measured
 * here: 1.6–2 s from {@code start()} to ready in a warm test JVM, 2.4–3.6 s from a cold start.
 *
 * <p>Stop: {@link #close()} sends SIGTERM (Kafka's shutdown hook shuts the broker down cleanly,
 * 0.2–0.4 s here), waits, then kills. If this JVM dies without closing, the child notices the end
 * of its standard input and stops by itself.
 *
 * <p>The configuration is tuned for tests and a laptop: replication factors and ISR of 1, no
 * initial rebalance delay, one partition for the offsets and transaction-state topics, and low
 * minimum session timeouts so tests can make consumer crash detection fast (see {@link
 * #defaultProperties}). Any of it can be overridden with {@link Builder#property}.
 */
public final class LocalKafkaBroker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalKafkaBroker.class);

  /** The broker's main class in the child JVM. */
  static final String MAIN_CLASS = LocalKafkaBrokerMain.class.getName();

  /** The class the child classpath must contain. */
  private static final String KAFKA_MAIN_RESOURCE = "kafka/Kafka.class";

  private static final String HOST = "127.0.0.1";
  private static final int BIND_ATTEMPTS = 3;
  private static final int LOG_TAIL_BYTES = 8192;

  private final Path directory;
  private final Path logFile;
  private final Process process;
  private final OutputStream watchdogPipe;
  private final String bootstrapServers;
  private final Map<String, String> listenerAddresses;
  private final Duration shutdownTimeout;
  private final Duration startupTime;

  private LocalKafkaBroker(
      Path directory,
      Path logFile,
      Process process,
      String bootstrapServers,
      Map<String, String> listenerAddresses,
      Duration shutdownTimeout,
      Duration startupTime) {
    this.directory = directory;
    this.logFile = logFile;
    this.process = process;
    this.watchdogPipe = process.getOutputStream();
    this.bootstrapServers = bootstrapServers;
    this.listenerAddresses = Map.copyOf(listenerAddresses);
    this.shutdownTimeout = shutdownTimeout;
    this.startupTime = startupTime;
  }

  /** A builder for a broker whose files live under {@code directory} (created if missing). */
  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  /** Starts a broker with the defaults on a free port and waits until it is ready. */
  public static LocalKafkaBroker start(Path directory) {
    return builder(directory).start();
  }

  /** {@code 127.0.0.1:<port>}, for the clients' {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /**
   * {@code 127.0.0.1:<port>} of a listener added with {@link Builder#listener}, e.g. the SASL one.
   *
   * @throws IllegalArgumentException if the broker has no such listener
   */
  public String listenerAddress(String name) {
    String address = listenerAddresses.get(name);
    if (address == null) {
      throw new IllegalArgumentException(
          "no listener " + name + "; extra listeners: " + listenerAddresses.keySet());
    }
    return address;
  }

  public Path directory() {
    return directory;
  }

  /** The file that receives everything the broker JVM prints. */
  public Path logFile() {
    return logFile;
  }

  /** The operating-system process id of the broker JVM. */
  public long pid() {
    return process.pid();
  }

  /** The broker JVM, for callers that must watch or kill it (crash tests). */
  public ProcessHandle processHandle() {
    return process.toHandle();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** How long {@link Builder#start()} took until the broker was ready. */
  public Duration startupTime() {
    return startupTime;
  }

  /**
   * Stops the broker: SIGTERM, a wait of up to the shutdown timeout for the clean shutdown, then
   * SIGKILL. Idempotent. When it returns the child process has exited.
   */
  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        long t0 = System.nanoTime();
        process.destroy();
        if (!process.waitFor(shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.warn(
              "Kafka broker pid {} did not stop within {}, killing it",
              process.pid(),
              shutdownTimeout);
          process.destroyForcibly();
          process.waitFor();
        }
        LOG.info(
            "Kafka broker pid {} stopped in {} ms (exit status {})",
            process.pid(),
            (System.nanoTime() - t0) / 1_000_000,
            process.exitValue());
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      closeQuietly(watchdogPipe);
      closeQuietly(process.getInputStream());
      closeQuietly(process.getErrorStream());
    }
  }

  /**
   * The test- and laptop-friendly broker settings, without the per-start values (node id,
   * listeners, directories). A fresh mutable map; the in-JVM test broker uses the same settings.
   */
  public static Map<String, String> defaultProperties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("num.partitions", "1");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    // Classic-protocol consumers may ask for session timeouts down to 1 s (tests of crash
    // takeover); the broker default minimum is 6 s.
    p.put("group.min.session.timeout.ms", "1000");
    // KIP-848 (group.protocol=consumer) and KIP-1071 (streams) groups: the session timeout is a
    // broker or group config, not a client one, and defaults to 45 s. 6 s by default here, and a
    // group config may lower it to 1 s (docs/development.md, "Kafka for tests and the demo").
    p.put("group.consumer.min.session.timeout.ms", "1000");
    p.put("group.consumer.session.timeout.ms", "6000");
    p.put("group.consumer.min.heartbeat.interval.ms", "250");
    p.put("group.consumer.heartbeat.interval.ms", "1000");
    p.put("group.streams.min.session.timeout.ms", "1000");
    p.put("group.streams.session.timeout.ms", "6000");
    p.put("group.streams.min.heartbeat.interval.ms", "250");
    p.put("group.streams.heartbeat.interval.ms", "1000");
    return p;
  }

  /** Options of a {@link LocalKafkaBroker}; {@link #start()} starts it. */
  public static final class Builder {
    private final Path directory;
    private int port;
    private int controllerPort;
    private final Map<String, String> overrides = new LinkedHashMap<>();
    private final Map<String, String> extraListeners = new LinkedHashMap<>();
    private List<String> jvmOptions =
        List.of(
            "-Xms64m",
            "-Xmx512m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Djava.awt.headless=true");
    private Duration startupTimeout = Duration.ofSeconds(90);
    private Duration shutdownTimeout = Duration.ofSeconds(30);
    private String classpath;

    private Builder(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory").toAbsolutePath();
    }

    /** The client (PLAINTEXT) port; 0, the default, picks a free one. */
    public Builder port(int port) {
      this.port = checkPort(port);
      return this;
    }

    /** The controller (KRaft quorum) port; 0, the default, picks a free one. */
    public Builder controllerPort(int controllerPort) {
      this.controllerPort = checkPort(controllerPort);
      return this;
    }

    /** Default partition count of topics created without one (default 1). */
    public Builder partitions(int partitions) {
      if (partitions < 1) {
        throw new IllegalArgumentException("partitions must be >= 1: " + partitions);
      }
      return property("num.partitions", Integer.toString(partitions));
    }

    /**
     * Adds a client listener {@code name} (such as {@code SASL}) speaking {@code protocol} ({@code
     * SASL_PLAINTEXT}, {@code SSL}, {@code SASL_SSL}) on a free port, beside the PLAINTEXT one,
     * which stays the inter-broker listener and the one readiness is checked on. Its settings go in
     * with {@link #property}, prefixed {@code listener.name.<name lower case>.}, e.g. {@code
     * listener.name.sasl.sasl.enabled.mechanisms=PLAIN}; {@link #listenerAddress} gives its
     * address.
     */
    public Builder listener(String name, String protocol) {
      if (!name.matches("[A-Z][A-Z0-9_]*")
          || name.equals("PLAINTEXT")
          || name.equals("CONTROLLER")) {
        throw new IllegalArgumentException("listener name must be upper case and new: " + name);
      }
      extraListeners.put(name, Objects.requireNonNull(protocol, "protocol"));
      return this;
    }

    /** Sets or overrides one broker property (server.properties). */
    public Builder property(String key, String value) {
      overrides.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Replaces the child's JVM options (default: 512 MB heap, serial GC, C1 only). */
    public Builder jvmOptions(List<String> options) {
      this.jvmOptions = List.copyOf(options);
      return this;
    }

    public Builder startupTimeout(Duration timeout) {
      this.startupTimeout = positive(timeout, "startupTimeout");
      return this;
    }

    public Builder shutdownTimeout(Duration timeout) {
      this.shutdownTimeout = positive(timeout, "shutdownTimeout");
      return this;
    }

    /**
     * The child's classpath. Default: this JVM's, taken from {@code surefire.test.class.path} under
     * Surefire (where {@code java.class.path} is only the booter jar), otherwise from {@code
     * java.class.path}.
     */
    public Builder classpath(String classpath) {
      this.classpath = Objects.requireNonNull(classpath, "classpath");
      return this;
    }

    /**
     * Starts the broker and waits until it is ready.
     *
     * @throws IllegalStateException if the classpath lacks the broker, or the broker exits or is
     *     not ready before the startup timeout (the message carries the tail of its log)
     */
    public LocalKafkaBroker start() {
      // Absolute entries: the child runs in the broker directory, not in this JVM's.
      String cp = absoluteClasspath(classpath != null ? classpath : currentClasspath());
      checkClasspath(cp);
      try {
        Files.createDirectories(directory);
        Path data = Files.createDirectories(directory.resolve("data"));
        Path logFile = directory.resolve("broker.log");
        Path logbackFile = writeLogbackConfig(directory.resolve("logback-broker.xml"));
        Path argFile = writeArgFile(directory.resolve("jvm.args"), cp);
        String clusterId = clusterId(data);
        boolean freePorts = port == 0 || controllerPort == 0;
        for (int attempt = 1; ; attempt++) {
          int brokerPort = port != 0 ? port : freePort();
          int quorumPort = controllerPort != 0 ? controllerPort : freePort(brokerPort);
          Map<String, Integer> extraPorts = new LinkedHashMap<>();
          List<Integer> taken = new ArrayList<>(List.of(brokerPort, quorumPort));
          for (String name : extraListeners.keySet()) {
            int extra = freePort(taken.stream().mapToInt(Integer::intValue).toArray());
            taken.add(extra);
            extraPorts.put(name, extra);
          }
          Path properties =
              writeProperties(
                  directory.resolve("server.properties"), data, brokerPort, quorumPort, extraPorts);
          try {
            return launch(
                properties, logFile, logbackFile, argFile, clusterId, brokerPort, extraPorts);
          } catch (PortTakenException e) {
            // A free port can be taken between probing it and the child binding it.
            if (!freePorts || attempt == BIND_ATTEMPTS) {
              throw new IllegalStateException(e.getMessage(), e);
            }
            LOG.info("Kafka broker port taken before it bound (attempt {}), retrying", attempt);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot prepare Kafka broker directory " + directory, e);
      }
    }

    private LocalKafkaBroker launch(
        Path properties,
        Path logFile,
        Path logbackFile,
        Path argFile,
        String clusterId,
        int brokerPort,
        Map<String, Integer> extraPorts)
        throws IOException, PortTakenException {
      List<String> command = new ArrayList<>();
      command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(jvmOptions);
      command.add("-Dlogback.configurationFile=" + logbackFile);
      command.add("@" + argFile);
      command.add(MAIN_CLASS);
      command.add(properties.toString());
      command.add(clusterId);
      long logStart = Files.exists(logFile) ? Files.size(logFile) : 0;
      long t0 = System.nanoTime();
      Process process =
          new ProcessBuilder(command)
              .directory(directory.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
              .start();
      String bootstrap = HOST + ":" + brokerPort;
      try {
        awaitReady(process, bootstrap, logFile, logStart, t0);
      } catch (PortTakenException | RuntimeException | Error e) {
        stop(process);
        throw e;
      }
      Duration startup = Duration.ofNanos(System.nanoTime() - t0);
      LOG.info(
          "Kafka broker ready at {} in {} ms (pid {}, log {})",
          bootstrap,
          startup.toMillis(),
          process.pid(),
          logFile);
      Map<String, String> addresses = new LinkedHashMap<>();
      extraPorts.forEach((name, extra) -> addresses.put(name, HOST + ":" + extra));
      return new LocalKafkaBroker(
          directory, logFile, process, bootstrap, addresses, shutdownTimeout, startup);
    }

    /**
     * Polls {@code describeCluster} until it lists a broker, the child exits, or the deadline
     * passes. Between polls it waits on the child's exit, so a dead child is noticed at once.
     */
    private void awaitReady(Process process, String bootstrap, Path logFile, long logStart, long t0)
        throws PortTakenException {
      long deadline = t0 + startupTimeout.toNanos();
      Map<String, Object> config = new LinkedHashMap<>();
      config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      config.put(AdminClientConfig.CLIENT_ID_CONFIG, "ingraft-local-broker-probe");
      config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
      config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000);
      config.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 100);
      config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
      Admin admin = null;
      try {
        while (true) {
          if (!process.isAlive()) {
            String tail = logTail(logFile, logStart);
            String message =
                "Kafka broker exited with status "
                    + process.exitValue()
                    + " before it was ready; log "
                    + logFile
                    + " ends with:\n"
                    + tail;
            if (tail.contains("BindException") || tail.contains("Address already in use")) {
              throw new PortTakenException(message);
            }
            throw new IllegalStateException(message);
          }
          if (System.nanoTime() - deadline > 0) {
            throw new IllegalStateException(
                "Kafka broker not ready at "
                    + bootstrap
                    + " within "
                    + startupTimeout
                    + "; log "
                    + logFile
                    + " ends with:\n"
                    + logTail(logFile, logStart));
          }
          // The client port only opens late in the start; probing it first keeps the Admin
          // client from logging a connection warning per retry while the JVM is still booting.
          if (portOpen(process, bootstrap)) {
            if (admin == null) {
              admin = Admin.create(config);
            }
            if (describesBroker(admin)) {
              return;
            }
          }
          // Poll interval; returns early if the child exits.
          process.waitFor(100, TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the Kafka broker", e);
      } finally {
        if (admin != null) {
          admin.close(Duration.ofSeconds(2));
        }
      }
    }

    private static boolean portOpen(Process process, String bootstrap) {
      int colon = bootstrap.lastIndexOf(':');
      try (Socket socket = new Socket()) {
        socket.connect(
            new InetSocketAddress(
                bootstrap.substring(0, colon), Integer.parseInt(bootstrap.substring(colon + 1))),
            500);
        return process.isAlive();
      } catch (IOException e) {
        return false;
      }
    }

    private static boolean describesBroker(Admin admin) throws InterruptedException {
      try {
        Collection<Node> nodes =
            admin
                .describeCluster(new DescribeClusterOptions().timeoutMs(2000))
                .nodes()
                .get(3, TimeUnit.SECONDS);
        return !nodes.isEmpty();
      } catch (ExecutionException | TimeoutException e) {
        return false;
      }
    }

    private Path writeProperties(
        Path file, Path data, int brokerPort, int quorumPort, Map<String, Integer> extraPorts)
        throws IOException {
      StringBuilder listeners =
          new StringBuilder(
              "PLAINTEXT://"
                  + HOST
                  + ":"
                  + brokerPort
                  + ",CONTROLLER://"
                  + HOST
                  + ":"
                  + quorumPort);
      StringBuilder advertised = new StringBuilder("PLAINTEXT://" + HOST + ":" + brokerPort);
      StringBuilder protocols = new StringBuilder("CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
      extraPorts.forEach(
          (name, extra) -> {
            listeners.append(',').append(name).append("://").append(HOST).append(':').append(extra);
            advertised
                .append(',')
                .append(name)
                .append("://")
                .append(HOST)
                .append(':')
                .append(extra);
            protocols.append(',').append(name).append(':').append(extraListeners.get(name));
          });
      Map<String, String> p = new LinkedHashMap<>();
      p.put("process.roles", "broker,controller");
      p.put("node.id", "1");
      // Static quorum (kraft.version 0): the voter's address lives in this file, not in the
      // metadata log, so a restart on other ports reuses the same data directory.
      p.put("controller.quorum.voters", "1@" + HOST + ":" + quorumPort);
      p.put("listeners", listeners.toString());
      p.put("advertised.listeners", advertised.toString());
      p.put("controller.listener.names", "CONTROLLER");
      p.put("inter.broker.listener.name", "PLAINTEXT");
      p.put("listener.security.protocol.map", protocols.toString());
      p.put("log.dirs", data.toString());
      p.putAll(defaultProperties());
      p.putAll(overrides);
      StringBuilder text =
          new StringBuilder("# Written by ")
              .append(LocalKafkaBroker.class.getName())
              .append(" at every start; edit the builder, not this file.\n");
      for (Map.Entry<String, String> e : p.entrySet()) {
        text.append(escapeKey(e.getKey()))
            .append('=')
            .append(escapeValue(e.getValue()))
            .append('\n');
      }
      Files.writeString(file, text.toString(), StandardCharsets.UTF_8);
      return file;
    }

    private static Path writeLogbackConfig(Path file) throws IOException {
      String xml =
          """
          <configuration>
            <!-- The broker child JVM: its console is appended to broker.log. -->
            <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
              <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
            </appender>
            <logger name="org.apache.kafka.common.config.AbstractConfig" level="WARN"/>
            <logger name="kafka.server.KafkaConfig" level="WARN"/>
            <root level="INFO"><appender-ref ref="CONSOLE"/></root>
          </configuration>
          """;
      Files.writeString(file, xml, StandardCharsets.UTF_8);
      return file;
    }

    /** The classpath as a java @argfile: quoted, with backslash and quote escaped. */
    private static Path writeArgFile(Path file, String cp) throws IOException {
      String quoted = cp.replace("\\", "\\\\").replace("\"", "\\\"");
      Files.writeString(file, "-cp\n\"" + quoted + "\"\n", StandardCharsets.UTF_8);
      return file;
    }

    /** The formatted directory's cluster id, or a new one for an empty directory. */
    private static String clusterId(Path data) throws IOException {
      Path meta = data.resolve("meta.properties");
      if (Files.exists(meta)) {
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(meta)) {
          props.load(in);
        }
        String id = props.getProperty("cluster.id");
        if (id != null && !id.isBlank()) {
          return id.trim();
        }
      }
      return Uuid.randomUuid().toString();
    }

    private static int checkPort(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      return port;
    }

    private static Duration positive(Duration d, String name) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }
  }

  /** This JVM's classpath (see {@link Builder#classpath}). */
  static String currentClasspath() {
    String surefire = System.getProperty("surefire.test.class.path");
    if (surefire != null && !surefire.isBlank()) {
      return surefire;
    }
    return System.getProperty("java.class.path", "");
  }

  static String absoluteClasspath(String cp) {
    List<String> entries = new ArrayList<>();
    for (String entry : cp.split(java.io.File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      if (entry.endsWith("*")) {
        // A launcher wildcard (dir/*): keep it as such.
        String dir = entry.substring(0, entry.length() - 1);
        entries.add(
            (dir.isEmpty() ? Paths.get("") : Paths.get(dir)).toAbsolutePath()
                + java.io.File.separator
                + "*");
      } else {
        entries.add(Paths.get(entry).toAbsolutePath().toString());
      }
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  /** Fails early, and clearly, if the child could not find the broker or its main class. */
  static void checkClasspath(String cp) {
    List<URL> urls = new ArrayList<>();
    for (String entry : cp.split(java.io.File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      try {
        if (entry.endsWith("*")) {
          // A launcher wildcard: every jar in that directory.
          Path dir = Paths.get(entry.substring(0, entry.length() - 1));
          if (Files.isDirectory(dir)) {
            try (var jars = Files.list(dir)) {
              for (Path jar : (Iterable<Path>) jars::iterator) {
                String name = jar.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
                if (name.endsWith(".jar")) {
                  urls.add(jar.toUri().toURL());
                }
              }
            }
          }
        } else {
          urls.add(Paths.get(entry).toUri().toURL());
        }
      } catch (IOException | java.nio.file.InvalidPathException e) {
        // Not a path the child could use either; ignore it.
      }
    }
    String mainResource = MAIN_CLASS.replace('.', '/') + ".class";
    try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), null)) {
      if (loader.findResource(KAFKA_MAIN_RESOURCE) == null) {
        throw new IllegalStateException(
            "the classpath has no Kafka broker (kafka_2.13): "
                + "run with the demo's classpath (lib/demo/ of the distribution), or pass one with "
                + "LocalKafkaBroker.Builder.classpath(...)");
      }
      if (loader.findResource(mainResource) == null) {
        throw new IllegalStateException("the classpath lacks " + MAIN_CLASS);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort(int... avoid) throws IOException {
    while (true) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
        int port = socket.getLocalPort();
        boolean clash = false;
        for (int a : avoid) {
          clash |= a == port;
        }
        if (!clash) {
          return port;
        }
      }
    }
  }

  private static void stop(Process process) {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeQuietly(process.getOutputStream());
  }

  /** The last few KB the child wrote to the log since {@code from}. */
  private static String logTail(Path logFile, long from) {
    try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
      long start = Math.max(from, file.length() - LOG_TAIL_BYTES);
      byte[] bytes = new byte[(int) (file.length() - start)];
      file.seek(start);
      file.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read " + logFile + ": " + e + ")";
    }
  }

  private static String escapeKey(String s) {
    return escapeValue(s).replace("=", "\\=").replace(":", "\\:").replace(" ", "\\ ");
  }

  private static String escapeValue(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> out.append(c);
      }
    }
    if (!out.isEmpty() && out.charAt(0) == ' ') {
      out.insert(0, '\\');
    }
    return out.toString();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // nothing to do
    }
  }

  /** The child could not bind a port that was free when it was picked. */
  private static final class PortTakenException extends Exception {
    private static final long serialVersionUID = 1L;

    PortTakenException(String message) {
      super(message);
    }
  }
}
