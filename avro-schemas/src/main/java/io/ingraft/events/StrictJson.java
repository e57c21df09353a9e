package io.ingraft.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON parser and writer of the codecs. Parsing is strict: duplicate keys and trailing content
 * are errors (a second {@code "graph"} must not silently win), nesting is capped far above what any
 * record needs, and every failure is an {@link EventDecodeException} with code BAD_JSON.
 */
final class StrictJson {
  /** The deepest valid record (a load in a graph-log record) nests 8 levels; junk stops here. */
  private static final int MAX_NESTING = 32;

  private final ObjectMapper mapper =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
                  .build())
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  ObjectNode parseObject(byte[] bytes) {
    JsonNode tree;
    try {
      tree = mapper.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new EventDecodeException(
          DecodeError.BAD_JSON, "", "not valid JSON: " + e.getOriginalMessage() + locationOf(e), e);
    } catch (IOException | RuntimeException e) {
      throw new EventDecodeException(DecodeError.BAD_JSON, "", "not valid JSON: " + e, e);
    }
    if (tree == null || tree.isMissingNode()) {
      throw new EventDecodeException(DecodeError.BAD_JSON, "", "no JSON value");
    }
    if (!tree.isObject()) {
      throw new EventDecodeException(
          DecodeError.BAD_JSON, "", "expected a JSON object, found " + JsonFields.describe(tree));
    }
    return (ObjectNode) tree;
  }

  ObjectNode newObject() {
    return mapper.createObjectNode();
  }

  byte[] write(JsonNode node) {
    try {
      return mapper.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      // A tree of plain nodes always serialises; this is a bug, not bad input.
      throw new UncheckedIOException("cannot write JSON", e);
    }
  }

  private static String locationOf(JsonProcessingException e) {
    return e.getLocation() == null
        ? ""
        : " (line "
            + e.getLocation().getLineNr()
            + ", column "
            + e.getLocation().getColumnNr()
            + ")";
  }
}
