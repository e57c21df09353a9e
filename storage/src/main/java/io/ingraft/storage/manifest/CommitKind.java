package io.ingraft.storage.manifest;

/** What produced a manifest version. */
public enum CommitKind {
  /** The first version of a graph. */
  CREATE,
  /** A batch of mutation events. */
  MUTATION,
  /** A bulk load event. */
  LOAD,
  /** A schema change (with any tables it rewrote). */
  SCHEMA_APPLY,
  /** Compaction, index builds and other table maintenance. */
  MAINTENANCE,
  /** A new owner took the graph over: the epoch went up, nothing else changed. */
  EPOCH_CLAIM,
  /** The recovery sweep rolled an interrupted operation forward or back, or repaired drift. */
  RECOVERY
}
