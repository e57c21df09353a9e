package io.ingraft.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;

/**
 * A tiny Confluent-compatible schema registry on 127.0.0.1 and a free port: the two endpoints the
 * codecs use, ids reused for the same canonical schema, Confluent's error bodies, and knobs to make
 * it misbehave. It records every request line so tests can check caching.
 */
final class FakeRegistryServer implements AutoCloseable {
  private final HttpServer server;
  private final String scheme;
  private final ObjectMapper mapper = new ObjectMapper();
  private final Map<Integer, ObjectNode> schemasById = new ConcurrentHashMap<>();
  private final Map<String, Integer> idsByCanonical = new ConcurrentHashMap<>();
  private final AtomicInteger nextId = new AtomicInteger(1);
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final List<String> contentTypes = new CopyOnWriteArrayList<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private volatile String requiredAuthorization;
  private volatile int forcedStatus;
  private volatile String forcedBody = "";

  FakeRegistryServer() throws IOException {
    this(null);
  }

  /** A registry served over HTTPS with {@code tls} (its certificate and key), or HTTP if null. */
  FakeRegistryServer(SSLContext tls) throws IOException {
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    if (tls == null) {
      server = HttpServer.create(address, 0);
    } else {
      HttpsServer https = HttpsServer.create(address, 0);
      https.setHttpsConfigurator(new HttpsConfigurator(tls));
      server = https;
    }
    this.scheme = tls == null ? "http" : "https";
    server.createContext("/", this::handle);
    server.start();
  }

  URI uri() {
    return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort());
  }

  List<String> requests() {
    return requests;
  }

  List<String> contentTypes() {
    return contentTypes;
  }

  /** The {@code Authorization} header of every request ("none" when absent), in order. */
  List<String> authorizations() {
    return authorizations;
  }

  /** From now on answers 401, as a secured registry does, unless this header value comes. */
  void requireAuthorization(String value) {
    requiredAuthorization = value;
  }

  /** Answers every request with this status and body from now on (0 to stop). */
  void forceAnswer(int status, String body) {
    forcedBody = body;
    forcedStatus = status;
  }

  /** Stores a schema as a producer elsewhere would have registered it; returns its id. */
  int add(String schemaText, String schemaType) {
    int id = nextId.getAndIncrement();
    ObjectNode answer = mapper.createObjectNode().put("schema", schemaText);
    if (schemaType != null) {
      answer.put("schemaType", schemaType);
    }
    schemasById.put(id, answer);
    return id;
  }

  private void handle(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getRawPath();
    requests.add(method + " " + path);
    contentTypes.add(String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type")));
    byte[] body = exchange.getRequestBody().readAllBytes();
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    authorizations.add(authorization == null ? "none" : authorization);
    String required = requiredAuthorization;
    if (required != null && !required.equals(authorization)) {
      answer(exchange, 401, "{\"error_code\": 401, \"message\": \"Unauthorized\"}");
      return;
    }
    if (forcedStatus != 0) {
      answer(exchange, forcedStatus, forcedBody);
      return;
    }
    String[] parts = path.split("/");
    if (method.equals("POST")
        && parts.length == 4
        && parts[1].equals("subjects")
        && parts[3].equals("versions")) {
      String subject = URLDecoder.decode(parts[2], StandardCharsets.UTF_8);
      JsonNode request = mapper.readTree(body);
      Schema schema;
      try {
        schema = new Schema.Parser().parse(request.path("schema").asText());
      } catch (RuntimeException e) {
        answer(exchange, 422, "{\"error_code\": 42201, \"message\": \"Invalid schema\"}");
        return;
      }
      String canonical = schema.toString();
      int id = idsByCanonical.computeIfAbsent(canonical, c -> add(c, null));
      requests.set(requests.size() - 1, method + " " + path + " (" + subject + ")");
      answer(exchange, 200, "{\"id\": " + id + "}");
    } else if (method.equals("GET")
        && parts.length == 4
        && parts[1].equals("schemas")
        && parts[2].equals("ids")) {
      ObjectNode schema = schemasById.get(Integer.parseInt(parts[3]));
      if (schema == null) {
        answer(exchange, 404, "{\"error_code\": 40403, \"message\": \"Schema not found\"}");
      } else {
        answer(exchange, 200, mapper.writeValueAsString(schema));
      }
    } else {
      answer(exchange, 404, "{\"error_code\": 404, \"message\": \"HTTP 404 Not Found\"}");
    }
  }

  private static void answer(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", RestSchemaRegistry.CONTENT_TYPE);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
