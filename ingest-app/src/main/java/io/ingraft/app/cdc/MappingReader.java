package io.ingraft.app.cdc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a CDC mapping file, YAML or JSON (JSON when the text starts with a brace), strictly: an
 * unknown key, a duplicate key, a missing required key or a value of the wrong type is a problem
 * with its line and column. All unknown keys are reported, not just the first; any other parse
 * error stops the reading where it is. A mapping that parses is then checked by {@link
 * MappingCheck}, which reports its problems at the places {@link #locate} finds.
 */
public final class MappingReader {
  private final String file;
  private final String text;

  /** Where each value starts, by its path ({@code /tables/public.orders/key}). */
  private final Map<String, JsonLocation> locations = new HashMap<>();

  /** Where each key is written, by the path of its value. */
  private final Map<String, JsonLocation> keyLocations = new HashMap<>();

  private final java.util.Set<String> reported = new java.util.HashSet<>();

  private MappingReader(String file, String text) {
    this.file = file;
    this.text = text;
  }

  /** A reader of {@code text}, named {@code file} in problems. */
  public static MappingReader of(String file, String text) {
    return new MappingReader(file, text);
  }

  /** A reader of a mapping file. */
  public static MappingReader of(Path path) throws IOException {
    return new MappingReader(
        path.toString(), new String(Files.readAllBytes(path), StandardCharsets.UTF_8));
  }

  public String file() {
    return file;
  }

  /**
   * The mapping.
   *
   * @throws InvalidMappingException with every problem found while parsing
   */
  public CdcMapping read() {
    List<MappingProblem> problems = new ArrayList<>();
    ObjectMapper mapper = mapper(problems);
    // Locations first: records are bound through a buffer that has none, so a problem found
    // while binding is placed by its path.
    indexLocations(mapper.getFactory());
    CdcMapping mapping;
    try {
      mapping = mapper.readValue(text, CdcMapping.class);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      problems.add(
          new MappingProblem(
              at == null ? 0 : at.getLineNr(),
              at == null ? 0 : at.getColumnNr(),
              e.getOriginalMessage()));
      throw new InvalidMappingException(file, problems);
    }
    if (mapping == null) {
      problems.add(new MappingProblem(1, 1, "the file is empty"));
    }
    if (!problems.isEmpty()) {
      problems.sort(
          java.util.Comparator.comparingInt(MappingProblem::line)
              .thenComparingInt(MappingProblem::column));
      throw new InvalidMappingException(file, problems);
    }
    return mapping;
  }

  /**
   * The place of a value in the file, by its path of keys (for example {@code tables}, {@code
   * public.orders}, {@code key}); the nearest enclosing value that exists when the path does not (a
   * key the user left out).
   */
  public MappingProblem problem(String message, String... path) {
    for (int n = path.length; n >= 0; n--) {
      JsonLocation at = locations.get(pointer(path, n));
      if (at != null) {
        return new MappingProblem(at.getLineNr(), at.getColumnNr(), message);
      }
    }
    return new MappingProblem(0, 0, message);
  }

  private boolean isJson() {
    return text.stripLeading().startsWith("{");
  }

  private ObjectMapper mapper(List<MappingProblem> problems) {
    ObjectMapper mapper = isJson() ? JsonMapper.builder().build() : YAMLMapper.builder().build();
    mapper
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
        .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
        .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
    mapper.getFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    mapper.coercionConfigDefaults().setAcceptBlankAsEmpty(false);
    mapper.addHandler(
        new DeserializationProblemHandler() {
          @Override
          public boolean handleUnknownProperty(
              DeserializationContext context,
              JsonParser parser,
              JsonDeserializer<?> deserializer,
              Object beanOrClass,
              String name)
              throws IOException {
            JsonLocation at =
                keyLocation(parser.getParsingContext().pathAsPointer().toString(), name);
            if (at == null) {
              at = parser.currentTokenLocation();
            }
            problems.add(
                new MappingProblem(
                    Math.max(0, at.getLineNr()),
                    Math.max(0, at.getColumnNr()),
                    "unknown key \"" + name + "\"" + knownKeys(deserializer)));
            parser.skipChildren();
            return true;
          }
        });
    return mapper;
  }

  /**
   * Where an unknown key is written: by its path when the parser knows it, otherwise (inside a
   * buffered record, whose paths start at the record) the first place with that key name not
   * reported yet.
   */
  private JsonLocation keyLocation(String path, String name) {
    JsonLocation at = keyLocations.get(path);
    if (at != null && reported.add(path)) {
      return at;
    }
    String suffix = "/" + escape(name);
    for (Map.Entry<String, JsonLocation> entry : new java.util.TreeMap<>(keyLocations).entrySet()) {
      if (entry.getKey().endsWith(suffix) && reported.add(entry.getKey())) {
        return entry.getValue();
      }
    }
    return null;
  }

  private static String knownKeys(JsonDeserializer<?> deserializer) {
    List<String> names = new ArrayList<>();
    deserializer.getKnownPropertyNames().forEach(name -> names.add(name.toString()));
    return names.isEmpty() ? "" : "; expected one of " + String.join(", ", names);
  }

  /** Records where every value of the document starts, by its path of keys and indexes. */
  private void indexLocations(JsonFactory factory) {
    try (JsonParser parser =
        (factory instanceof YAMLFactory yaml ? yaml : factory).createParser(text)) {
      Deque<String> path = new ArrayDeque<>();
      Deque<Integer> indexes = new ArrayDeque<>();
      String field = null;
      for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
        if (token == JsonToken.FIELD_NAME) {
          field = parser.currentName();
          keyLocations.putIfAbsent(join(path) + "/" + escape(field), parser.currentTokenLocation());
          continue;
        }
        if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
          path.pollLast();
          indexes.pollLast();
          continue;
        }
        String name = field;
        if (name == null && !indexes.isEmpty() && indexes.peekLast() >= 0) {
          int index = indexes.pollLast();
          indexes.addLast(index + 1);
          name = Integer.toString(index);
        }
        field = null;
        String here = name == null ? "" : join(path) + "/" + escape(name);
        locations.putIfAbsent(here, parser.currentTokenLocation());
        if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
          path.addLast(name == null ? "" : escape(name));
          indexes.addLast(token == JsonToken.START_ARRAY ? 0 : -1);
        }
      }
    } catch (IOException e) {
      // The text parsed a moment ago; without locations, problems point at 0:0.
    }
  }

  /** JSON Pointer escaping of one path segment. */
  private static String escape(String name) {
    return name.replace("~", "~0").replace("/", "~1");
  }

  private static String join(Deque<String> path) {
    StringBuilder out = new StringBuilder();
    boolean first = true;
    for (String part : path) {
      if (first) {
        first = false; // the root has no name
        continue;
      }
      out.append('/').append(part);
    }
    return out.toString();
  }

  private static String pointer(String[] path, int length) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < length; i++) {
      out.append('/').append(escape(path[i]));
    }
    return out.toString();
  }
}
