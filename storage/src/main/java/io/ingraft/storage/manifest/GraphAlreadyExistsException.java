package io.ingraft.storage.manifest;

import io.ingraft.storage.StorageException;

/** A graph was created twice: its first manifest version already exists. */
public final class GraphAlreadyExistsException extends StorageException {
  private final String graph;

  public GraphAlreadyExistsException(String graph) {
    super("graph " + graph + " already exists");
    this.graph = graph;
  }

  public String graph() {
    return graph;
  }
}
