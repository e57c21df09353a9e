package io.ingraft.storage.manifest;

import io.ingraft.storage.StorageException;

/**
 * No published version of the graph matches a {@link VersionSelector}: a time before the graph's
 * first version, an offset no version has applied yet (or a partition the graph never read), a CDC
 * position before the first one the graph reflects.
 */
public final class NoMatchingVersionException extends StorageException {
  private final String graph;
  private final VersionSelector selector;

  public NoMatchingVersionException(String graph, VersionSelector selector) {
    this(graph, selector, null);
  }

  /** With {@code detail} (what would match instead) appended to the message, when not null. */
  public NoMatchingVersionException(String graph, VersionSelector selector, String detail) {
    super(
        "graph "
            + graph
            + " has no version "
            + selector.describe()
            + (detail == null ? "" : "; " + detail));
    this.graph = graph;
    this.selector = selector;
  }

  public String graph() {
    return graph;
  }

  public VersionSelector selector() {
    return selector;
  }
}
