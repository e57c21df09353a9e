package io.ingraft.recovery;

/** Which kind of operation a sidecar guards. */
public enum SidecarKind {
  MUTATION,
  LOAD,
  SCHEMA_APPLY,
  MAINTENANCE
}
