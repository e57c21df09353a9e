package io.ingraft.app.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's HTTP endpoint (the JDK's built-in server): {@code /metrics} in Prometheus' text
 * format, {@code /health/live} and {@code /health/ready} (200, or 503 with the reason), {@code
 * /api/status} as JSON ({@link StatusReport}) and a status page at {@code /} (plain HTML with
 * inline CSS, no external assets). Read-only: every path answers GET and HEAD only.
 */
public final class StatusServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StatusServer.class);

  /** Where the answers come from. Called on the server's threads: must be thread-safe. */
  public interface Source {
    /** The metrics in Prometheus' text exposition format (version 0.0.4). */
    String scrape();

    /** Whether the process is alive: its stages have not stopped by themselves. */
    boolean live();

    /** Whether the process does its share of the work (see docs/operations.md). */
    boolean ready();

    StatusReport status();
  }

  private final HttpServer server;
  private final ExecutorService threads;
  private final Source source;
  private final ObjectMapper json =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private StatusServer(HttpServer server, Source source) {
    this.server = server;
    this.source = source;
    AtomicInteger next = new AtomicInteger();
    this.threads =
        Executors.newFixedThreadPool(
            2,
            runnable -> {
              Thread thread = new Thread(runnable, "ingraft-http-" + next.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    server.setExecutor(threads);
    server.createContext("/", this::handle);
  }

  /**
   * Starts a server on {@code host:port} ({@code port} 0: a free one).
   *
   * @throws IOException if the address cannot be bound
   */
  public static StatusServer start(String host, int port, Source source) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
    StatusServer started = new StatusServer(server, source);
    server.start();
    LOG.info(
        "HTTP endpoint at {} (/metrics, /health/live, /health/ready, /api/status)", started.uri());
    return started;
  }

  /** The port bound. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The base URI, e.g. {@code http://127.0.0.1:8080/}; a wildcard host is shown as localhost. */
  public URI uri() {
    InetSocketAddress address = server.getAddress();
    String host =
        address.getAddress().isAnyLocalAddress()
            ? "localhost"
            : address.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + address.getPort() + "/");
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n");
        return;
      }
      switch (exchange.getRequestURI().getPath()) {
        case "/metrics" ->
            send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", source.scrape());
        case "/health/live" -> health(exchange, source.live(), "live");
        case "/health/ready" -> health(exchange, source.ready(), "ready");
        case "/api/status" ->
            send(
                exchange, 200, "application/json", json.writeValueAsString(source.status()) + "\n");
        case "/", "/index.html" ->
            send(exchange, 200, "text/html; charset=utf-8", StatusPage.render(source.status()));
        default -> send(exchange, 404, "text/plain; charset=utf-8", "not found\n");
      }
    } catch (RuntimeException e) {
      LOG.warn("HTTP {} failed", exchange.getRequestURI(), e);
      throw e;
    }
  }

  private void health(HttpExchange exchange, boolean ok, String what) throws IOException {
    send(exchange, ok ? 200 : 503, "application/json", "{\"" + what + "\":" + ok + "}\n");
  }

  private static void send(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** Stops answering at once: every answer is cheap to ask again. */
  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
