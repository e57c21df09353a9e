package io.ingraft.engine;

/**
 * Why the engine rejected an event. The codes are stable: the pipeline puts them in dead-letter
 * headers, and operators route on them.
 */
public enum RejectionCode {
  /** The event addresses a graph that does not exist (create it with a schema event). */
  UNKNOWN_GRAPH,
  /** A node or edge type the schema does not declare. */
  UNKNOWN_TYPE,
  /** A property the type does not declare. */
  UNKNOWN_PROPERTY,
  /** A value that does not fit its property's type (see {@code InvalidValueException}). */
  BAD_VALUE,
  /** A node without its key, or an edge without an endpoint. */
  MISSING_KEY,
  /** {@code updateNode} of a node that does not exist. */
  NODE_NOT_FOUND,
  /** An edge whose endpoint node does not exist in the committed or pending graph. */
  MISSING_ENDPOINT,
  /** An edge count per source node outside the edge type's {@code @card} bounds. */
  CARDINALITY,
  /** A {@code @unique} property value that another node already has. */
  UNIQUENESS,
  /** An append load whose key already exists. */
  KEY_COLLISION,
  /** Schema text that does not parse or breaks a schema rule. */
  BAD_SCHEMA,
  /** A schema change that is not additive (drops, retypes, changes keys). */
  INCOMPATIBLE_SCHEMA,
  /** A load file that was allowed but cannot be read (bad line, not UTF-8, bad Parquet). */
  BAD_LOAD,
  /**
   * A load {@code uri} that is not allowed: file loads are off, or it is outside the configured
   * roots ({@code ingraft.load.roots}), escapes them, is malformed, or is not a readable regular
   * file. The message never says which of the last kinds, so it reveals nothing of the host.
   */
  LOAD_SOURCE_REFUSED,
  /**
   * A load file above {@code ingraft.load.max-bytes} bytes or {@code ingraft.load.max-rows} rows.
   */
  LOAD_TOO_LARGE,
  /** A load file not read within {@code ingraft.load.timeout-ms}. */
  LOAD_TIMEOUT,
  /** An event whose shape is wrong for the engine (for example an empty id). */
  MALFORMED_EVENT
}
