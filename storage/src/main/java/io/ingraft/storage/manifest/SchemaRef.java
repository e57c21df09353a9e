package io.ingraft.storage.manifest;

import java.util.Objects;

/** The graph schema a manifest version uses: its content hash and the object key of its source. */
public record SchemaRef(String hash, String path) {
  public SchemaRef {
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(path, "path");
  }
}
