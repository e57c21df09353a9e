package io.ingraft.app.topology;

/**
 * What the decode step made of one producer record, on its way to the split between the graph log
 * and the dead-letter topic. Only ever in memory: it never crosses a topic.
 */
sealed interface Decoded {
  /** A valid event, already encoded as the LoggedEvent the graph log will hold. */
  record Accepted(String graph, byte[] logged) implements Decoded {}

  /** A refused record: its original value (the key and the reason stay on the record). */
  record Rejected(byte[] original) implements Decoded {}
}
