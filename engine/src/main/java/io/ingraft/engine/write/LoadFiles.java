package io.ingraft.engine.write;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.engine.EventRejectedException;
import io.ingraft.engine.RejectionCode;
import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a load that names a file ({@code uri}) into an inline load, so staging sees one shape.
 * The file is JSON lines in the engine's export format: {@code {"kind":"node","type":T,"key":k,
 * "props":{..}}} and {@code {"kind":"edge","type":E,"id"?:s,"from":k,"to":k,"props":{..}}}, so an
 * export of one graph loads into another. Local paths and {@code file:} URIs are supported.
 */
public final class LoadFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private LoadFiles() {
  }

  /**
   * The event itself, or, for a file load, the same event with the file's rows inline.
   *
   * @throws EventRejectedException with {@link RejectionCode#BAD_LOAD} if the file cannot be read
   */
  public static GraphEvent inline(GraphEvent event) {
    if (!(event.body() instanceof EventBody.Load load) || load.uri() == null) {
      return event;
    }
    Path path = resolve(load.uri());
    Map<String, List<Map<String, Object>>> nodes = new LinkedHashMap<>();
    Map<String, List<Map<String, Object>>> edges = new LinkedHashMap<>();
    if (path.getFileName().toString().endsWith(".parquet")) {
      ParquetLoadFile.read(path, (number, line) -> readLine(path, number, line, nodes, edges));
      return new GraphEvent(event.graph(), event.eventId(), event.source(), event.timestamp(),
          new EventBody.Load(load.mode(), nodes, edges, null));
    }
    try (BufferedReader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      String line;
      int number = 0;
      while ((line = reader.readLine()) != null) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        readLine(path, number, line, nodes, edges);
      }
    } catch (IOException e) {
      throw new EventRejectedException(RejectionCode.BAD_LOAD,
          "cannot read load file " + load.uri() + ": " + e.getMessage(), e);
    }
    return new GraphEvent(event.graph(), event.eventId(), event.source(), event.timestamp(),
        new EventBody.Load(load.mode(), nodes, edges, null));
  }

  private static Path resolve(String uri) {
    if (uri.startsWith("file:")) {
      return Path.of(URI.create(uri));
    }
    if (uri.contains("://")) {
      throw new EventRejectedException(RejectionCode.BAD_LOAD,
          "only local paths and file: URIs can be loaded: " + uri);
    }
    return Path.of(uri);
  }

  private static void readLine(Path path, int number, String line,
      Map<String, List<Map<String, Object>>> nodes, Map<String, List<Map<String, Object>>> edges) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw bad(path, number, "not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw bad(path, number, "not JSON: " + e.getMessage());
    }
    readLine(path, number, node, nodes, edges);
  }

  @SuppressWarnings("unchecked")
  private static void readLine(Path path, int number, JsonNode node,
      Map<String, List<Map<String, Object>>> nodes, Map<String, List<Map<String, Object>>> edges) {
    if (node == null || !node.isObject()) {
      throw bad(path, number, "not a JSON object");
    }
    String kind = node.path("kind").asText("");
    String type = node.path("type").asText("");
    if (type.isEmpty()) {
      throw bad(path, number, "missing \"type\"");
    }
    Map<String, Object> row = new HashMap<>();
    JsonNode props = node.get("props");
    if (props != null && !props.isNull()) {
      if (!props.isObject()) {
        throw bad(path, number, "\"props\" is not an object");
      }
      row.putAll(JSON.convertValue(props, Map.class));
    }
    switch (kind) {
      case "node" -> {
        if (node.has("key")) {
          row.put(KEY_MARKER, JSON.convertValue(node.get("key"), Object.class));
        }
        nodes.computeIfAbsent(type, k -> new ArrayList<>()).add(row);
      }
      case "edge" -> {
        for (String field : List.of("id", "from", "to")) {
          if (node.has(field)) {
            row.put(field, JSON.convertValue(node.get(field), Object.class));
          }
        }
        edges.computeIfAbsent(type, k -> new ArrayList<>()).add(row);
      }
      default -> throw bad(path, number, "\"kind\" must be node or edge, was '" + kind + "'");
    }
  }

  /**
   * A node line's top-level {@code key}; staging puts it under the type's key property. It cannot
   * collide with a property: property names start with a letter.
   */
  public static final String KEY_MARKER = "$key";

  static EventRejectedException bad(Path path, int line, String problem) {
    return new EventRejectedException(RejectionCode.BAD_LOAD, path + ":" + line + ": " + problem);
  }
}
