package io.ingraft.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.events.SchemaRegistryException.Kind;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SchemaRegistry} speaking the Confluent schema registry REST API over {@link HttpClient}:
 * {@code POST /subjects/{subject}/versions} to register and {@code GET /schemas/ids/{id}} to fetch,
 * with content type {@code application/vnd.schemaregistry.v1+json}. Any Confluent-compatible
 * registry works (Confluent, Apicurio's ccompat API, Karapace, Redpanda); the base URI may carry a
 * path prefix. Answers are cached for the life of the instance, since registry ids are immutable;
 * failures are not, so a registry that comes back is used again. Thread-safe.
 */
public final class RestSchemaRegistry implements SchemaRegistry {
  public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

  /** Registry error codes meaning "no such subject, version or schema". */
  private static final Set<Integer> NOT_FOUND_CODES = Set.of(40401, 40402, 40403);

  private static final Logger LOG = LoggerFactory.getLogger(RestSchemaRegistry.class);

  private final String base;
  private final Duration timeout;
  private final HttpClient http;
  private final RegistryCredentials credentials;
  private final ObjectMapper mapper = new ObjectMapper();
  private final ConcurrentMap<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final ConcurrentMap<Registration, Integer> idsByRegistration = new ConcurrentHashMap<>();

  private record Registration(String subject, String schema) {}

  /** A client with a 10 s connect and request timeout. */
  public RestSchemaRegistry(URI baseUri) {
    this(baseUri, Duration.ofSeconds(10));
  }

  public RestSchemaRegistry(URI baseUri, Duration timeout) {
    this(baseUri, timeout, HttpClient.newBuilder().connectTimeout(timeout).build());
  }

  /** A client on a caller's {@link HttpClient} (proxy, TLS and authenticator settings). */
  public RestSchemaRegistry(URI baseUri, Duration timeout, HttpClient http) {
    this(baseUri, timeout, http, RegistryCredentials.NONE);
  }

  /**
   * A client that authenticates with {@code credentials} on every request and, when {@code tls} is
   * given, uses its trust and key stores; {@code timeout} bounds connecting and each request.
   */
  public RestSchemaRegistry(
      URI baseUri, Duration timeout, RegistryCredentials credentials, RegistryTls tls) {
    this(baseUri, timeout, httpClient(timeout, tls), credentials);
  }

  private RestSchemaRegistry(
      URI baseUri, Duration timeout, HttpClient http, RegistryCredentials credentials) {
    String uri = Objects.requireNonNull(baseUri, "baseUri").toString();
    this.base = uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.http = Objects.requireNonNull(http, "http");
    this.credentials = Objects.requireNonNull(credentials, "credentials");
  }

  private static HttpClient httpClient(Duration timeout, RegistryTls tls) {
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout);
    if (tls != null) {
      builder.sslContext(tls.sslContext());
    }
    return builder.build();
  }

  /** The registry's base URI, for messages. */
  public String baseUri() {
    return base;
  }

  @Override
  public int register(String subject, Schema schema) {
    String text = schema.toString();
    Registration registration = new Registration(subject, text);
    Integer cached = idsByRegistration.get(registration);
    if (cached != null) {
      return cached;
    }
    String body;
    try {
      body = mapper.writeValueAsString(mapper.createObjectNode().put("schema", text));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a registration request", e);
    }
    HttpRequest request =
        request("/subjects/" + pathSegment(subject) + "/versions")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build();
    JsonNode answer = send(request, "register a schema under subject " + subject);
    JsonNode id = answer.get("id");
    if (id == null || !id.isInt()) {
      throw new SchemaRegistryException(
          Kind.BAD_RESPONSE,
          200,
          0,
          "registering under " + subject + " answered no integer id: " + abbreviate(answer),
          null);
    }
    idsByRegistration.put(registration, id.intValue());
    schemasById.putIfAbsent(id.intValue(), schema);
    LOG.debug("schema {} is id {} under subject {}", schema.getFullName(), id.intValue(), subject);
    return id.intValue();
  }

  @Override
  public Schema schemaById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    HttpRequest request = request("/schemas/ids/" + id).GET().build();
    JsonNode answer = send(request, "fetch schema id " + id);
    JsonNode type = answer.get("schemaType");
    if (type != null && !type.isNull() && !"AVRO".equals(type.asText())) {
      throw new SchemaRegistryException(
          Kind.NOT_AVRO,
          200,
          0,
          "schema id " + id + " is a " + type.asText() + " schema, not Avro",
          null);
    }
    JsonNode text = answer.get("schema");
    if (text == null || !text.isTextual()) {
      throw new SchemaRegistryException(
          Kind.BAD_RESPONSE,
          200,
          0,
          "schema id " + id + " answered no schema text: " + abbreviate(answer),
          null);
    }
    Schema schema;
    try {
      schema = new Schema.Parser().parse(text.textValue());
    } catch (SchemaParseException | IllegalArgumentException e) {
      throw new SchemaRegistryException(
          Kind.BAD_RESPONSE,
          200,
          0,
          "schema id " + id + " is not a valid Avro schema: " + e.getMessage(),
          e);
    }
    Schema previous = schemasById.putIfAbsent(id, schema);
    return previous != null ? previous : schema;
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(timeout)
            .header("Accept", CONTENT_TYPE)
            .header("Content-Type", CONTENT_TYPE);
    credentials.authorization().ifPresent(value -> builder.header("Authorization", value));
    return builder;
  }

  private JsonNode send(HttpRequest request, String what) {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new SchemaRegistryException(
          Kind.UNAVAILABLE, 0, 0, "cannot " + what + " at " + base + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException(
          Kind.UNAVAILABLE, 0, 0, "interrupted while trying to " + what, e);
    }
    int status = response.statusCode();
    JsonNode body = parse(response.body());
    if (status >= 200 && status < 300) {
      if (body == null || !body.isObject()) {
        throw new SchemaRegistryException(
            Kind.BAD_RESPONSE,
            status,
            0,
            "cannot " + what + ": the answer is not a JSON object",
            null);
      }
      return body;
    }
    int errorCode =
        body != null && body.path("error_code").isInt() ? body.path("error_code").intValue() : 0;
    String message =
        body != null && body.path("message").isTextual()
            ? body.path("message").textValue()
            : abbreviate(response.body());
    String detail =
        "cannot "
            + what
            + " at "
            + base
            + (status == 401
                ? " (authentication failed: check the registry credentials)"
                : status == 403 ? " (not authorised: check the registry credentials)" : "")
            + ": HTTP "
            + status
            + (errorCode != 0 ? " error_code " + errorCode : "")
            + ": "
            + message;
    Kind kind;
    if (status == 404) {
      // A 404 without a registry error code is most likely a wrong base URI, not a missing id:
      // calling it NOT_FOUND would dead-letter every record.
      kind = NOT_FOUND_CODES.contains(errorCode) ? Kind.NOT_FOUND : Kind.BAD_RESPONSE;
    } else if (status >= 500 || status == 408 || status == 429) {
      kind = Kind.UNAVAILABLE;
    } else if (status >= 400) {
      kind = Kind.REJECTED;
    } else {
      kind = Kind.BAD_RESPONSE;
    }
    throw new SchemaRegistryException(kind, status, errorCode, detail, null);
  }

  private JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return mapper.readTree(body);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  private static String pathSegment(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String abbreviate(Object value) {
    return JsonFields.abbreviate(String.valueOf(value));
  }
}
