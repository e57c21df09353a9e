package io.ingraft.engine.schema;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed graph schema: the {@code .pg} source it came from, and its node and edge types in
 * declaration order. Build one with {@link #parse(String)}; the canonical constructor checks the
 * structural rules (distinct type names, edge endpoints declared) but trusts that {@code source}
 * describes the types. The {@link #hash()} of the source names the schema in storage ({@code
 * _schemas/<hash>.pg}) and in manifests.
 */
public record GraphSchema(String source, List<NodeType> nodeTypes, List<EdgeType> edgeTypes) {

  /** Largest accepted source, in UTF-8 bytes. */
  public static final int MAX_SOURCE_BYTES = 1 << 20;

  /**
   * Most node and edge types a graph may declare: each is a Lance table that a schema event creates
   * and every manifest version pins, so ten thousand would hold a writer for minutes.
   */
  public static final int MAX_TYPES = 256;

  /** Most properties one node or edge type may declare (each is a column). */
  public static final int MAX_PROPERTIES = 1024;

  /**
   * @throws IllegalArgumentException if type names clash or an endpoint is not a node type
   */
  public GraphSchema {
    Objects.requireNonNull(source, "source");
    nodeTypes = List.copyOf(nodeTypes);
    edgeTypes = List.copyOf(edgeTypes);
    // Type names differ in more than case: they become file names, and some file systems fold.
    Map<String, String> seen = new HashMap<>();
    for (NodeType node : nodeTypes) {
      requireNew(seen, node.name().value());
    }
    for (EdgeType edge : edgeTypes) {
      requireNew(seen, edge.name().value());
    }
    for (EdgeType edge : edgeTypes) {
      for (String endpoint : List.of(edge.from().value(), edge.to().value())) {
        if (nodeTypes.stream().noneMatch(n -> n.name().value().equals(endpoint))) {
          throw new IllegalArgumentException(
              "edge " + edge.name() + ": endpoint " + endpoint + " is not a node type");
        }
      }
    }
  }

  private static void requireNew(Map<String, String> seen, String name) {
    String previous = seen.put(name.toLowerCase(Locale.ROOT), name);
    if (previous != null) {
      throw new IllegalArgumentException("type names " + previous + " and " + name + " clash");
    }
  }

  /**
   * Parses a {@code .pg} source. Empty input (or only comments) is a valid empty schema.
   *
   * @throws SchemaParseException with the line and column of the first error
   */
  public static GraphSchema parse(String source) {
    Objects.requireNonNull(source, "source");
    if (ValueCoercion.utf8LongerThan(source, MAX_SOURCE_BYTES)) {
      throw oversized(ValueCoercion.utf8Length(source));
    }
    return SchemaParser.parse(source);
  }

  /**
   * Parses a {@code .pg} source given as UTF-8 bytes, as stored under {@code _schemas/}.
   *
   * @throws SchemaParseException on malformed UTF-8 (at the first bad byte) or any parse error
   */
  public static GraphSchema parse(byte[] utf8) {
    Objects.requireNonNull(utf8, "utf8");
    if (utf8.length > MAX_SOURCE_BYTES) {
      throw oversized(utf8.length);
    }
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    CharBuffer out = CharBuffer.allocate(utf8.length);
    CoderResult result = decoder.decode(ByteBuffer.wrap(utf8), out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      out.flip();
      int[] position = SchemaLexer.positionAfter(out.toString());
      throw new SchemaParseException(position[0], position[1], "schema source is not valid UTF-8");
    }
    out.flip();
    return SchemaParser.parse(out.toString());
  }

  private static SchemaParseException oversized(long bytes) {
    return new SchemaParseException(
        1,
        1,
        "schema source is "
            + bytes
            + " bytes, more than the limit of "
            + MAX_SOURCE_BYTES
            + " bytes");
  }

  /**
   * Why a graph may not take this schema, if it breaks {@link #MAX_TYPES} or {@link
   * #MAX_PROPERTIES}. Checked when a schema event comes in, not when a stored schema is read, so a
   * limit can be lowered without making a graph unreadable.
   */
  public java.util.Optional<String> limitProblem() {
    int types = nodeTypes.size() + edgeTypes.size();
    if (types > MAX_TYPES) {
      return java.util.Optional.of(
          "the schema declares "
              + types
              + " node and edge types, more"
              + " than the limit of "
              + MAX_TYPES);
    }
    for (NodeType node : nodeTypes) {
      if (node.properties().size() > MAX_PROPERTIES) {
        return java.util.Optional.of(
            "node "
                + node.name()
                + " declares "
                + node.properties().size()
                + " properties, more than the limit of "
                + MAX_PROPERTIES);
      }
    }
    for (EdgeType edge : edgeTypes) {
      if (edge.properties().size() > MAX_PROPERTIES) {
        return java.util.Optional.of(
            "edge "
                + edge.name()
                + " declares "
                + edge.properties().size()
                + " properties, more than the limit of "
                + MAX_PROPERTIES);
      }
    }
    return java.util.Optional.empty();
  }

  /** The schema with no types: what a new graph starts with. */
  public static GraphSchema empty() {
    return new GraphSchema("", List.of(), List.of());
  }

  /** Lowercase hex SHA-256 of the UTF-8 source; computed on each call, so cache it if hot. */
  public String hash() {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(source.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  public boolean isEmpty() {
    return nodeTypes.isEmpty() && edgeTypes.isEmpty();
  }

  /** The node type with this exact name, if any. */
  public Optional<NodeType> nodeType(String name) {
    return nodeTypes.stream().filter(n -> n.name().value().equals(name)).findFirst();
  }

  /** The edge type with this exact name, if any. */
  public Optional<EdgeType> edgeType(String name) {
    return edgeTypes.stream().filter(e -> e.name().value().equals(name)).findFirst();
  }

  /** Names the types, not the whole source, which may be a megabyte. */
  @Override
  public String toString() {
    return "GraphSchema[nodes="
        + nodeTypes.stream().map(n -> n.name().value()).toList()
        + ", edges="
        + edgeTypes.stream().map(e -> e.name().value()).toList()
        + ", "
        + source.length()
        + " source chars]";
  }

  /** The node type an edge type of this schema starts at. */
  public NodeType fromType(EdgeType edge) {
    return endpoint(edge, edge.from().value());
  }

  /** The node type an edge type of this schema ends at. */
  public NodeType toType(EdgeType edge) {
    return endpoint(edge, edge.to().value());
  }

  private NodeType endpoint(EdgeType edge, String name) {
    return nodeType(name)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "edge " + edge.name() + " is not from this schema: no node type " + name));
  }
}
