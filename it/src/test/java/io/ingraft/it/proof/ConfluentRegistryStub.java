package io.ingraft.it.proof;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.SchemaParseException;

/**
 * A minimal Confluent-compatible schema registry on {@code 127.0.0.1:<free port>}: the calls
 * Ingraft's {@code RestSchemaRegistry} and the Confluent clients make.
 *
 * <ul>
 *   <li>{@code POST /subjects/{subject}/versions} {"schema": "..."} registers (or finds) a schema
 *       under a subject and answers {"id": N}; the same schema (by Avro parsing canonical form)
 *       gets the same id under every subject, as in Confluent's registry;
 *   <li>{@code POST /subjects/{subject}} looks a schema up: {"subject", "version", "id", "schema"},
 *       or 404 with error code 40401 (no subject) or 40403 (not under it);
 *   <li>{@code GET /schemas/ids/{id}}: {"schema": "..."}, or 404 with error code 40403;
 *   <li>{@code GET /subjects}, {@code GET /subjects/{subject}/versions}, {@code GET
 *       /subjects/{subject}/versions/{version|latest}}, {@code GET /config}.
 * </ul>
 *
 * <p>Answers carry {@code application/vnd.schemaregistry.v1+json}; errors are {"error_code",
 * "message"}. Every request is recorded ({@link #requests()}, "METHOD /path") so a test can show
 * which client called what.
 */
final class ConfluentRegistryStub implements AutoCloseable {
  static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor =
      Executors.newFixedThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "registry-stub");
            t.setDaemon(true);
            return t;
          });
  private final List<String> requests = new ArrayList<>();
  private final Map<Integer, String> schemas = new HashMap<>();
  private final Map<String, Integer> idsByCanonical = new HashMap<>();
  private final Map<String, List<Integer>> subjects = new LinkedHashMap<>();

  ConfluentRegistryStub() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** "METHOD /path" of every request so far. */
  synchronized List<String> requests() {
    return List.copyOf(requests);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getRawPath();
      byte[] body = exchange.getRequestBody().readAllBytes();
      Answer answer;
      synchronized (this) {
        requests.add(method + " " + path);
        answer = route(method, segments(path), body);
      }
      byte[] out = JSON.writeValueAsBytes(answer.body());
      exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
      exchange.sendResponseHeaders(answer.status(), out.length);
      try (OutputStream os = exchange.getResponseBody()) {
        os.write(out);
      }
    }
  }

  private record Answer(int status, Object body) {}

  private static List<String> segments(String path) {
    List<String> parts = new ArrayList<>();
    for (String part : path.split("/")) {
      if (!part.isEmpty()) {
        parts.add(URLDecoder.decode(part, StandardCharsets.UTF_8));
      }
    }
    return parts;
  }

  private Answer route(String method, List<String> p, byte[] body) {
    int n = p.size();
    if (method.equals("GET") && n == 3 && p.get(0).equals("schemas") && p.get(1).equals("ids")) {
      String schema = parseInt(p.get(2)) == null ? null : schemas.get(parseInt(p.get(2)));
      return schema == null
          ? error(404, 40403, "Schema not found")
          : new Answer(200, Map.of("schema", schema));
    }
    if (method.equals("GET") && n == 1 && p.get(0).equals("config")) {
      return new Answer(200, Map.of("compatibilityLevel", "BACKWARD"));
    }
    if (n >= 1 && p.get(0).equals("subjects")) {
      if (method.equals("GET") && n == 1) {
        return new Answer(200, new ArrayList<>(subjects.keySet()));
      }
      String subject = n >= 2 ? p.get(1) : null;
      if (method.equals("POST") && n == 3 && p.get(2).equals("versions")) {
        return register(subject, body);
      }
      if (method.equals("POST") && n == 2) {
        return lookUp(subject, body);
      }
      if (method.equals("GET") && n >= 3 && p.get(2).equals("versions")) {
        List<Integer> ids = subjects.get(subject);
        if (ids == null) {
          return error(404, 40401, "Subject '" + subject + "' not found.");
        }
        if (n == 3) {
          List<Integer> versions = new ArrayList<>();
          for (int v = 1; v <= ids.size(); v++) {
            versions.add(v);
          }
          return new Answer(200, versions);
        }
        Integer version =
            p.get(3).equals("latest") ? Integer.valueOf(ids.size()) : parseInt(p.get(3));
        if (version == null || version < 1 || version > ids.size()) {
          return error(404, 40402, "Version not found.");
        }
        return new Answer(200, version(subject, version, ids.get(version - 1)));
      }
    }
    return error(404, 404, "HTTP 404 Not Found");
  }

  private Answer register(String subject, byte[] body) {
    String text;
    String canonical;
    try {
      JsonNode request = JSON.readTree(body);
      JsonNode type = request.get("schemaType");
      if (type != null && !type.isNull() && !type.asText().equals("AVRO")) {
        return error(422, 42202, "only Avro schemas here");
      }
      text = request.path("schema").asText();
      canonical = SchemaNormalization.toParsingForm(new Schema.Parser().parse(text));
    } catch (IOException | SchemaParseException | IllegalArgumentException e) {
      return error(422, 42201, "Invalid schema: " + e.getMessage());
    }
    Integer id = idsByCanonical.get(canonical);
    if (id == null) {
      id = schemas.size() + 1;
      schemas.put(id, text);
      idsByCanonical.put(canonical, id);
    }
    List<Integer> ids = subjects.computeIfAbsent(subject, k -> new ArrayList<>());
    if (!ids.contains(id)) {
      ids.add(id);
    }
    return new Answer(200, Map.of("id", id));
  }

  private Answer lookUp(String subject, byte[] body) {
    List<Integer> ids = subjects.get(subject);
    if (ids == null) {
      return error(404, 40401, "Subject '" + subject + "' not found.");
    }
    String canonical;
    try {
      canonical =
          SchemaNormalization.toParsingForm(
              new Schema.Parser().parse(JSON.readTree(body).path("schema").asText()));
    } catch (IOException | SchemaParseException | IllegalArgumentException e) {
      return error(422, 42201, "Invalid schema: " + e.getMessage());
    }
    Integer id = idsByCanonical.get(canonical);
    if (id == null || !ids.contains(id)) {
      return error(404, 40403, "Schema not found");
    }
    return new Answer(200, version(subject, ids.indexOf(id) + 1, id));
  }

  private ObjectNode version(String subject, int version, int id) {
    ObjectNode node = JSON.createObjectNode();
    node.put("subject", subject);
    node.put("version", version);
    node.put("id", id);
    node.put("schema", schemas.get(id));
    return node;
  }

  private static Answer error(int status, int code, String message) {
    return new Answer(status, Map.of("error_code", code, "message", message));
  }

  private static Integer parseInt(String text) {
    try {
      return Integer.valueOf(text);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
