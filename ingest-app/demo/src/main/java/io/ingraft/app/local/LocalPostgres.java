package io.ingraft.app.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private PostgreSQL server from the machine's own packages (Debian's {@code postgresql}: {@code
 * /usr/lib/postgresql/<version>/bin}), in a directory of its own, on a free loopback port, with
 * {@code wal_level=logical} so that Debezium can stream its changes: the database of the CDC tests,
 * the CDC benchmark and {@code ingraft demo --cdc}.
 *
 * <p>PostgreSQL refuses to run as root. When this JVM is root (CI is), every server command runs as
 * the {@code postgres} OS user the package creates ({@code runuser -u postgres}), and the directory
 * is handed to that user. Where that user cannot reach it (a parent it may not traverse, such as a
 * checkout under a private {@code mktemp -d} directory), the server gets a directory of its own
 * under {@code /tmp} instead, which {@link #close()} removes; {@link #directory()} names it.
 *
 * <p>Layout of the directory given to {@link #builder(Path)} (created, must be empty):
 *
 * <pre>
 *   data/           the cluster (initdb), superuser postgres, trust authentication
 *   postgres.log    the server's log
 *   .s.PGSQL.PORT   the server's Unix socket (no system-wide socket directory is touched)
 * </pre>
 *
 * <p>{@link #close()} stops the server ({@code pg_ctl stop -m fast}); a shutdown hook does the same
 * if this JVM exits without closing it. Clients connect over TCP to {@code 127.0.0.1:port}, user
 * {@code postgres}, database {@code postgres}, no password; {@link #psql()} runs SQL.
 */
public final class LocalPostgres implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalPostgres.class);

  /** Where Debian and Ubuntu install the server binaries, one directory per major version. */
  public static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");

  public static final String HOST = "127.0.0.1";
  public static final String USER = "postgres";
  public static final String DATABASE = "postgres";
  private static final String OS_USER = "postgres";

  /** Where the server's directory goes when the postgres OS user cannot reach the one given. */
  private static final Path SHARED_TMP = Path.of("/tmp");

  private final Path bin;
  private final Path directory;
  private final Path data;
  private final Path logFile;
  private final int port;
  private final boolean asPostgresUser;
  private final Thread shutdownHook;
  private final Duration startupTime;

  /**
   * Whether {@link #directory} is the fallback under /tmp that this server removes when stopped.
   */
  private final boolean removeDirectory;

  private boolean stopped;

  private LocalPostgres(
      Path bin,
      Path directory,
      boolean removeDirectory,
      int port,
      boolean asPostgresUser,
      Duration startupTime) {
    this.bin = bin;
    this.directory = directory;
    this.removeDirectory = removeDirectory;
    this.data = directory.resolve("data");
    this.logFile = directory.resolve("postgres.log");
    this.port = port;
    this.asPostgresUser = asPostgresUser;
    this.startupTime = startupTime;
    this.shutdownHook = new Thread(this::stopQuietly, "local-postgres-stop");
  }

  /**
   * The newest installed server's {@code bin} directory (the one holding {@code initdb}), if any.
   */
  public static Optional<Path> installedBinaries() {
    if (!Files.isDirectory(DEBIAN_ROOT)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(DEBIAN_ROOT)) {
      return versions
          .map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max(Comparator.comparing(LocalPostgres::majorVersion));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** True when {@link #installedBinaries()} finds a server. */
  public static boolean isInstalled() {
    return installedBinaries().isPresent();
  }

  private static int majorVersion(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** A builder for a server whose files live under {@code directory}. */
  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  public int port() {
    return port;
  }

  public String host() {
    return HOST;
  }

  public Path directory() {
    return directory;
  }

  public Path logFile() {
    return logFile;
  }

  /** The server's {@code bin} directory ({@code psql} lives there too). */
  public Path binaries() {
    return bin;
  }

  /** How long initdb and start took. */
  public Duration startupTime() {
    return startupTime;
  }

  /** A {@code psql} client of this server, as the superuser, on the {@code postgres} database. */
  public Psql psql() {
    return new Psql(bin.resolve("psql"), HOST, port, USER, DATABASE);
  }

  /** Stops the server (fast shutdown: open sessions are ended). Idempotent. */
  @Override
  public synchronized void close() {
    if (stopped) {
      return;
    }
    stopped = true;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook runs stopQuietly itself.
    }
    stop();
  }

  private void stop() {
    long t0 = System.nanoTime();
    int status =
        run(
            bin,
            asPostgresUser,
            directory.resolve("pg_ctl-stop.out"),
            Duration.ofSeconds(60),
            bin.resolve("pg_ctl").toString(),
            "-D",
            data.toString(),
            "-m",
            "fast",
            "-w",
            "stop");
    if (status != 0) {
      throw new LocalProcessException(
          "pg_ctl", "stop failed with status " + status, directory.resolve("pg_ctl-stop.out"));
    }
    LOG.info("PostgreSQL on port {} stopped in {} ms", port, (System.nanoTime() - t0) / 1_000_000);
    if (removeDirectory) {
      removeQuietly(directory);
    }
  }

  private synchronized void stopQuietly() {
    if (stopped) {
      return;
    }
    stopped = true;
    try {
      stop();
    } catch (RuntimeException e) {
      LOG.warn("cannot stop PostgreSQL on port {}", port, e);
    }
  }

  /** Options of a {@link LocalPostgres}; {@link #start()} creates the cluster and starts it. */
  public static final class Builder {
    private final Path directory;
    private final Map<String, String> settings = new LinkedHashMap<>();
    private int port;
    private Duration startupTimeout = Duration.ofSeconds(60);

    private Builder(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory").toAbsolutePath();
      settings.put("wal_level", "logical");
      settings.put("listen_addresses", HOST);
      settings.put("max_wal_senders", "4");
      settings.put("max_replication_slots", "4");
    }

    /** The port; 0, the default, picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      this.port = port;
      return this;
    }

    /** A server setting ({@code -c name=value}), e.g. {@code fsync=off} for a throwaway test. */
    public Builder setting(String name, String value) {
      settings.put(name, value);
      return this;
    }

    public Builder startupTimeout(Duration timeout) {
      this.startupTimeout = timeout;
      return this;
    }

    /**
     * Runs {@code initdb} into {@code directory/data} and starts the server; returns once it
     * accepts connections.
     *
     * @throws PostgresNotInstalledException no server binaries on this machine
     * @throws LocalProcessException initdb or the start failed (the exception names the log)
     */
    public LocalPostgres start() {
      Path bin =
          installedBinaries().orElseThrow(() -> new PostgresNotInstalledException(DEBIAN_ROOT));
      long t0 = System.nanoTime();
      boolean asPostgresUser = "root".equals(System.getProperty("user.name"));
      Path directory = this.directory;
      try {
        Files.createDirectories(directory);
        try (Stream<Path> entries = Files.list(directory)) {
          if (entries.findAny().isPresent()) {
            throw new IllegalArgumentException("not an empty directory: " + directory);
          }
        }
        if (asPostgresUser) {
          directory = handOver();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      boolean removeDirectory = !directory.equals(this.directory);
      Path data = directory.resolve("data");
      Path initLog = directory.resolve("initdb.out");
      int status =
          run(
              bin,
              asPostgresUser,
              initLog,
              Duration.ofSeconds(120),
              bin.resolve("initdb").toString(),
              "-D",
              data.toString(),
              "-A",
              "trust",
              "-U",
              USER,
              "-E",
              "UTF8",
              "--locale=C",
              "--no-sync");
      if (status != 0) {
        throw new LocalProcessException("initdb", "failed with status " + status, initLog);
      }
      int chosen = port == 0 ? freePort() : port;
      StringBuilder options =
          new StringBuilder("-p ")
              .append(chosen)
              .append(" -c unix_socket_directories=")
              .append(directory);
      settings.forEach((k, v) -> options.append(" -c ").append(k).append('=').append(v));
      Path startLog = directory.resolve("pg_ctl-start.out");
      status =
          run(
              bin,
              asPostgresUser,
              startLog,
              startupTimeout.plusSeconds(10),
              bin.resolve("pg_ctl").toString(),
              "-D",
              data.toString(),
              "-o",
              options.toString(),
              "-l",
              directory.resolve("postgres.log").toString(),
              "-w",
              "-t",
              Long.toString(startupTimeout.toSeconds()),
              "start");
      if (status != 0) {
        throw new LocalProcessException(
            "pg_ctl",
            "start on port " + chosen + " failed with status " + status,
            directory.resolve("postgres.log"));
      }
      LocalPostgres server =
          new LocalPostgres(
              bin,
              directory,
              removeDirectory,
              chosen,
              asPostgresUser,
              Duration.ofNanos(System.nanoTime() - t0));
      Runtime.getRuntime().addShutdownHook(server.shutdownHook);
      LOG.info(
          "PostgreSQL ({}) ready on {}:{} in {} ms (directory {})",
          bin.getParent().getFileName(),
          HOST,
          chosen,
          server.startupTime.toMillis(),
          directory);
      return server;
    }

    /**
     * Gives the directory to the postgres OS user and returns it, or, where that user cannot get
     * there, a fresh directory of its own under {@code /tmp} (world-traversable).
     */
    private Path handOver() throws IOException {
      String refusal = handOver(directory);
      if (refusal == null) {
        return directory;
      }
      Path fallback = Files.createTempDirectory(SHARED_TMP, "ingraft-postgres-");
      if (handOver(fallback) == null) {
        LOG.info(
            "the OS user {} cannot reach {} ({}); the server's directory is {}",
            OS_USER,
            directory,
            refusal,
            fallback);
        return fallback;
      }
      removeQuietly(fallback);
      throw new LocalProcessException(
          "postgres",
          "the OS user "
              + OS_USER
              + " cannot write "
              + directory
              + " nor a directory under "
              + SHARED_TMP
              + " (PostgreSQL refuses to run as root; every parent directory must be traversable"
              + " by "
              + OS_USER
              + "): "
              + refusal,
          null);
    }

    /** Hands {@code dir} to the postgres OS user; null if it can write there, else why not. */
    private static String handOver(Path dir) throws IOException {
      Path out = Files.createTempFile("ingraft-postgres-", ".out");
      try {
        int status =
            runCommand(
                List.of("chown", OS_USER + ":" + OS_USER, dir.toString()),
                out,
                Duration.ofSeconds(10));
        if (status == 0) {
          status =
              runCommand(
                  List.of("runuser", "-u", OS_USER, "--", "test", "-w", dir.toString()),
                  out,
                  Duration.ofSeconds(10));
        }
        return status == 0 ? null : Files.readString(out, StandardCharsets.UTF_8).strip();
      } finally {
        Files.deleteIfExists(out);
      }
    }
  }

  /** Removes a directory this class created (as root, whatever the postgres user left in it). */
  private static void removeQuietly(Path dir) {
    try {
      Path out = Files.createTempFile("ingraft-postgres-", ".out");
      try {
        if (runCommand(List.of("rm", "-rf", "--", dir.toString()), out, Duration.ofSeconds(30))
            != 0) {
          LOG.warn("cannot remove {}: {}", dir, Files.readString(out, StandardCharsets.UTF_8));
        }
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      LOG.warn("cannot remove {}", dir, e);
    }
  }

  /** Runs a server command, as the postgres OS user when needed; returns its exit status. */
  private static int run(
      Path bin, boolean asPostgresUser, Path out, Duration timeout, String... command) {
    List<String> full = new ArrayList<>();
    if (asPostgresUser) {
      full.addAll(List.of("runuser", "-u", OS_USER, "--"));
    }
    full.addAll(List.of(command));
    return runCommand(full, out, timeout);
  }

  private static int runCommand(List<String> command, Path out, Duration timeout) {
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        throw new LocalProcessException(command.get(0), "did not finish within " + timeout, out);
      }
      return process.exitValue();
    } catch (IOException e) {
      throw new LocalProcessException(command.get(0), "cannot run " + command, out, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalProcessException(command.get(0), "interrupted", out, e);
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
