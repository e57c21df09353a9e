package io.ingraft.storage.manifest;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.storage.json.StrictJsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON form of a {@link Manifest}. Decoding checks the {@code format} field before anything else:
 * an unknown format is {@link UnsupportedManifestFormatException}, never a guess; unparsable or
 * incomplete JSON is {@link CorruptManifestException}. Unknown fields are rejected too, because a
 * field this reader would drop could carry state a writer relied on.
 */
public final class ManifestCodec {
  private final ObjectMapper mapper = StrictJsonMapper.create();

  public byte[] encode(Manifest manifest) {
    try {
      return mapper.writeValueAsBytes(manifest);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode manifest " + manifest.version(), e);
    }
  }

  /**
   * Decodes the manifest stored under {@code key}.
   *
   * @param key the object key, used in errors
   */
  public Manifest decode(String key, byte[] bytes) {
    JsonNode tree;
    try {
      tree = mapper.readTree(bytes);
    } catch (IOException e) {
      throw new CorruptManifestException(key, "not valid JSON", e);
    }
    if (tree == null || !tree.isObject()) {
      throw new CorruptManifestException(key, "not a JSON object", null);
    }
    JsonNode format = tree.get("format");
    if (format == null || !format.isInt() || format.intValue() != Manifest.FORMAT) {
      throw new UnsupportedManifestFormatException(
          key, format == null ? "missing" : format.toString());
    }
    // The CDC position and the rejected events are optional (absent from most manifests), while
    // the mapper makes every other missing creator property an error.
    CommitInfo.readAbsentOptionalFields(tree.get("commit"));
    try {
      return mapper.treeToValue(tree, Manifest.class);
    } catch (JacksonException e) {
      throw new CorruptManifestException(key, e.getOriginalMessage(), e);
    } catch (IllegalArgumentException e) {
      // A record constructor refused a value (bad graph id, version, table key).
      throw new CorruptManifestException(key, e.getMessage(), e);
    }
  }
}
