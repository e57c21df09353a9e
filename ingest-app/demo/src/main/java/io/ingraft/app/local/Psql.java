package io.ingraft.app.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs SQL through PostgreSQL's own client, {@code psql}: one process per call, the script on its
 * standard input, {@code ON_ERROR_STOP} so that the first failing statement fails the call. The CDC
 * harness uses it instead of a JDBC driver so that no PostgreSQL or Debezium jar enters Ingraft's
 * classpath. A script may hold several transactions; each {@code BEGIN ... COMMIT} is its own, as
 * the server sees them.
 */
public final class Psql {
  /** How {@link #query} renders SQL NULL (psql's default is the empty string). */
  public static final String NULL = "\\N";

  private static final long TIMEOUT_SECONDS = 600;

  private final String executable;
  private final String host;
  private final int port;
  private final String user;
  private final String database;

  public Psql(java.nio.file.Path executable, String host, int port, String user, String database) {
    this.executable = executable.toString();
    this.host = host;
    this.port = port;
    this.user = user;
    this.database = database;
  }

  /** Runs a script; returns what it printed. */
  public String execute(String sql) {
    return run(sql, List.of());
  }

  /**
   * Runs one query; returns its rows, each a list of column values as text ({@value #NULL} for
   * NULL), without a header.
   */
  public List<List<String>> query(String sql) {
    String out = run(sql, List.of("-A", "-t", "-F", "\t", "-P", "null=" + NULL));
    List<List<String>> rows = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (!line.isEmpty()) {
        rows.add(Arrays.asList(line.split("\t", -1)));
      }
    }
    return rows;
  }

  /** One value: the first column of the query's only row. */
  public String scalar(String sql) {
    List<List<String>> rows = query(sql);
    if (rows.size() != 1) {
      throw new LocalProcessException(
          "psql", "expected one row, got " + rows.size() + " from: " + sql, null);
    }
    return rows.get(0).get(0);
  }

  private String run(String sql, List<String> format) {
    List<String> command =
        new ArrayList<>(
            List.of(
                executable,
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                host,
                "-p",
                Integer.toString(port),
                "-U",
                user,
                "-d",
                database));
    command.addAll(format);
    command.addAll(List.of("-f", "-"));
    try {
      Process process = new ProcessBuilder(command).start();
      CompletableFuture<byte[]> stdout = drain(process.getInputStream());
      CompletableFuture<byte[]> stderr = drain(process.getErrorStream());
      try (OutputStream in = process.getOutputStream()) {
        in.write(sql.getBytes(StandardCharsets.UTF_8));
      }
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
        throw new LocalProcessException(
            "psql", "did not finish within " + TIMEOUT_SECONDS + " s", null);
      }
      String out = new String(stdout.get(), StandardCharsets.UTF_8);
      String err = new String(stderr.get(), StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new LocalProcessException(
            "psql",
            "status " + process.exitValue() + ": " + err.strip() + "\nscript:\n" + abbreviate(sql),
            null);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalProcessException("psql", "interrupted", null, e);
    } catch (ExecutionException e) {
      throw new LocalProcessException("psql", "cannot read its output", null, e.getCause());
    }
  }

  private static CompletableFuture<byte[]> drain(InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (stream) {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          // A thread each: the common pool may have a single worker, and both pipes must drain.
        },
        task -> new Thread(task, "psql-drain").start());
  }

  private static String abbreviate(String sql) {
    return sql.length() <= 2000 ? sql : sql.substring(0, 2000) + " ...";
  }
}
