package io.ingraft.storage.manifest;

import io.ingraft.storage.StorageException;

/** The graph has no manifest at all: it was never created. */
public final class GraphNotFoundException extends StorageException {
  private final String graph;

  public GraphNotFoundException(String graph) {
    super("graph " + graph + " does not exist");
    this.graph = graph;
  }

  public String graph() {
    return graph;
  }
}
