package io.ingraft.storage.manifest;

import io.ingraft.storage.StorageException;

/**
 * A publish lost a race to a version that changed the schema or the offsets of a source partition
 * this change also sets. Re-plan against the new manifest.
 */
public final class ConflictingManifestChangeException extends StorageException {
  private final String graph;
  private final String subject;
  private final String expected;
  private final String actual;

  public ConflictingManifestChangeException(
      String graph, String subject, String expected, String actual) {
    super(
        "graph "
            + graph
            + " "
            + subject
            + ": expected "
            + expected
            + " but the latest manifest has "
            + actual);
    this.graph = graph;
    this.subject = subject;
    this.expected = expected;
    this.actual = actual;
  }

  public String graph() {
    return graph;
  }

  /** "schema" or "source &lt;partition&gt;". */
  public String subject() {
    return subject;
  }

  public String expected() {
    return expected;
  }

  public String actual() {
    return actual;
  }
}
