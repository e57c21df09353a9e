package io.ingraft.recovery;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.storage.json.StrictJsonMapper;
import io.ingraft.storage.manifest.CommitInfo;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON form of a {@link Sidecar}. The {@code format} field is checked first and any other value is
 * refused: a sidecar decides whether data is rolled forward or back, so it is never guessed at.
 */
public final class SidecarCodec {
  private final ObjectMapper mapper = StrictJsonMapper.create();

  public byte[] encode(Sidecar sidecar) {
    try {
      return mapper.writeValueAsBytes(sidecar);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode sidecar " + sidecar.operationId(), e);
    }
  }

  public Sidecar decode(String key, byte[] bytes) {
    JsonNode tree;
    try {
      tree = mapper.readTree(bytes);
    } catch (IOException e) {
      throw new SidecarFormatException(key, "not valid JSON", e);
    }
    if (tree == null || !tree.isObject()) {
      throw new SidecarFormatException(key, "not a JSON object", null);
    }
    JsonNode format = tree.get("format");
    if (format == null || !format.isInt() || format.intValue() != Sidecar.FORMAT) {
      throw new SidecarFormatException(
          key,
          "unknown format "
              + (format == null ? "(missing)" : format.toString())
              + ", this reader knows format "
              + Sidecar.FORMAT,
          null);
    }
    CommitInfo.readAbsentOptionalFields(tree.get("commit"));
    try {
      return mapper.treeToValue(tree, Sidecar.class);
    } catch (JacksonException e) {
      throw new SidecarFormatException(key, "invalid content: " + e.getOriginalMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new SidecarFormatException(key, "invalid content: " + e.getMessage(), e);
    }
  }
}
