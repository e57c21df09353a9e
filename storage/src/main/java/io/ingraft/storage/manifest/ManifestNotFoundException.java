package io.ingraft.storage.manifest;

import io.ingraft.storage.StorageException;

/** The requested manifest version of a graph does not exist. */
public final class ManifestNotFoundException extends StorageException {
  private final String graph;
  private final long version;

  public ManifestNotFoundException(String graph, long version) {
    super("graph " + graph + " has no manifest version " + version);
    this.graph = graph;
    this.version = version;
  }

  public String graph() {
    return graph;
  }

  public long version() {
    return version;
  }
}
