package io.ingraft.engine.schema;

import io.ingraft.engine.schema.SchemaLexer.Kind;
import io.ingraft.engine.schema.SchemaLexer.Token;
import io.ingraft.storage.InvalidNameException;
import io.ingraft.storage.TypeName;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Recursive-descent parser for {@code .pg} sources. Grammar:
 *
 * <pre>
 * schema     = { node | edge } END
 * node       = "node" NAME "{" { property } "}"
 * edge       = "edge" NAME ":" NAME "->" NAME [ "@" "card" card ] [ "{" { property } "}" ]
 * property   = NAME ":" type [ "?" ] { "@" ( "key" | "unique" | "index" ) }
 * type       = SCALAR | "Vector" "(" NUMBER ")" | "[" ( SCALAR | enum ) "]" | enum
 * enum       = "enum" "(" NAME { "," NAME } [ "," ] ")"
 * card       = "(" NUMBER ".." ( NUMBER | "*" ) ")"
 * </pre>
 *
 * <p>Stops at the first error. Every rule that needs the whole file (edge endpoints may name node
 * types declared later) runs after the last declaration, in declaration order.
 */
final class SchemaParser {
  private static final String NAME_RULE = "[A-Za-z][A-Za-z0-9_]{0,127}";

  /** An edge whose endpoints are checked once every node type is known. */
  private record PendingEdge(
      Token name, Token from, Token to, List<Property> properties, Cardinality cardinality) {}

  /** The properties of one body and, for a node, its key (null if none was marked). */
  private record Body(List<Property> properties, Property key) {}

  private final String source;
  private final List<Token> tokens;
  private int position;

  /** Lowercased type name → its first declaration, for duplicate and case-clash errors. */
  private final Map<String, Token> typeNames = new HashMap<>();

  private SchemaParser(String source, List<Token> tokens) {
    this.source = source;
    this.tokens = tokens;
  }

  static GraphSchema parse(String source) {
    return new SchemaParser(source, SchemaLexer.tokenize(source)).schema();
  }

  private GraphSchema schema() {
    List<NodeType> nodes = new ArrayList<>();
    List<PendingEdge> edges = new ArrayList<>();
    while (!peek().is(Kind.END)) {
      Token token = peek();
      if (token.isWord("node")) {
        nodes.add(node());
      } else if (token.isWord("edge")) {
        edges.add(edge());
      } else {
        throw error(token, "expected 'node' or 'edge', found " + token.describe());
      }
    }
    Map<String, NodeType> nodesByName = new LinkedHashMap<>();
    for (NodeType node : nodes) {
      nodesByName.put(node.name().value(), node);
    }
    List<EdgeType> edgeTypes = new ArrayList<>();
    for (PendingEdge edge : edges) {
      requireNodeType(edge.from(), edge.name(), nodesByName);
      requireNodeType(edge.to(), edge.name(), nodesByName);
      edgeTypes.add(
          new EdgeType(
              TypeName.of(edge.name().text()),
              TypeName.of(edge.from().text()),
              TypeName.of(edge.to().text()),
              edge.properties(),
              edge.cardinality()));
    }
    return new GraphSchema(source, nodes, edgeTypes);
  }

  private void requireNodeType(Token endpoint, Token edge, Map<String, NodeType> nodes) {
    String name = endpoint.text();
    if (nodes.containsKey(name)) {
      return;
    }
    Token declared = typeNames.get(name.toLowerCase(Locale.ROOT));
    String hint = "";
    if (declared != null && declared.text().equals(name)) {
      hint = "; '" + name + "' is an edge type, and edges connect node types";
    } else if (declared != null && nodes.containsKey(declared.text())) {
      hint = "; did you mean '" + declared.text() + "'?";
    }
    throw error(
        endpoint,
        "unknown node type '" + name + "' as endpoint of edge '" + edge.text() + "'" + hint);
  }

  // ---- declarations

  private NodeType node() {
    next();
    Token name = declareTypeName("node");
    Token open =
        expect(Kind.LBRACE, "expected '{' after node type name '" + name.text() + "', found ");
    Body body = body(open, "node", name);
    if (body.key() == null) {
      throw error(
          name,
          "node type '" + name.text() + "' has no @key property; mark exactly one property @key");
    }
    return new NodeType(TypeName.of(name.text()), body.properties(), body.key());
  }

  private PendingEdge edge() {
    next();
    Token name = declareTypeName("edge");
    expect(Kind.COLON, "expected ':' after edge type name '" + name.text() + "', found ");
    Token from = nodeTypeName("expected the source node type after '" + name.text() + ":', found ");
    expect(Kind.ARROW, "expected '->' after source node type '" + from.text() + "', found ");
    Token to = nodeTypeName("expected the target node type after '->', found ");
    Cardinality cardinality = Cardinality.ANY;
    Token cardAt = null;
    while (peek().is(Kind.AT)) {
      Token at = next();
      Token annotation = annotationName();
      if (annotation.text().equals("card")) {
        if (cardAt != null) {
          throw error(
              at,
              "duplicate @card on edge type '"
                  + name.text()
                  + "' (first at "
                  + cardAt.position()
                  + ")");
        }
        cardAt = at;
        cardinality = cardinality();
      } else if (Set.of("key", "unique", "index").contains(annotation.text())) {
        throw error(
            at,
            "@"
                + annotation.text()
                + " belongs on a property; an edge declaration"
                + " allows only @card");
      } else {
        throw error(
            at,
            "unknown annotation '@"
                + annotation.text()
                + "' on edge type '"
                + name.text()
                + "'; an edge declaration allows only @card");
      }
    }
    List<Property> properties = List.of();
    if (peek().is(Kind.LBRACE)) {
      properties = body(next(), "edge", name).properties();
    }
    return new PendingEdge(name, from, to, properties, cardinality);
  }

  private Cardinality cardinality() {
    expect(Kind.LPAREN, "expected '(' after '@card', found ");
    Token minToken = next();
    if (!minToken.is(Kind.NUMBER)) {
      throw error(
          minToken,
          "expected the minimum edge count (a non-negative integer) after"
              + " '@card(', found "
              + minToken.describe());
    }
    int min = number(minToken, "@card minimum");
    expect(Kind.RANGE, "expected '..' after the @card minimum, found ");
    Token maxToken = next();
    OptionalInt max;
    if (maxToken.is(Kind.STAR)) {
      max = OptionalInt.empty();
    } else if (maxToken.is(Kind.NUMBER)) {
      int value = number(maxToken, "@card maximum");
      if (value == 0) {
        throw error(maxToken, "@card maximum must be at least 1 (0 would forbid the edge type)");
      }
      if (value < min) {
        throw error(maxToken, "@card maximum " + value + " is below the minimum " + min);
      }
      max = OptionalInt.of(value);
    } else {
      throw error(
          maxToken,
          "expected the maximum edge count (a positive integer or '*') after"
              + " '..', found "
              + maxToken.describe());
    }
    expect(Kind.RPAREN, "expected ')' to close @card, found ");
    return new Cardinality(min, max);
  }

  // ---- bodies and properties

  private Body body(Token open, String kind, Token owner) {
    boolean isNode = kind.equals("node");
    List<Property> properties = new ArrayList<>();
    Map<String, Token> seen = new HashMap<>();
    Property key = null;
    Token keyAt = null;
    while (true) {
      Token token = peek();
      if (token.is(Kind.RBRACE)) {
        next();
        return new Body(properties, key);
      }
      boolean nextDeclaration =
          (token.isWord("node") || token.isWord("edge")) && peek(1).is(Kind.NAME);
      if (token.is(Kind.END) || nextDeclaration) {
        throw error(
            token,
            "expected '}' to close "
                + kind
                + " type '"
                + owner.text()
                + "' opened at "
                + open.position()
                + ", found "
                + token.describe());
      }
      if (!token.is(Kind.NAME)) {
        throw error(
            token,
            "expected a property name or '}' in "
                + kind
                + " type '"
                + owner.text()
                + "', found "
                + token.describe());
      }
      Token name = next();
      checkName(name, "property name");
      if (!isNode && EdgeType.isReserved(name.text())) {
        throw error(
            name,
            "property name '"
                + name.text()
                + "' is reserved in edge types"
                + " (every edge table has the columns id, from and to)");
      }
      Token first = seen.putIfAbsent(name.text().toLowerCase(Locale.ROOT), name);
      if (first != null) {
        throw error(
            name,
            first.text().equals(name.text())
                ? "duplicate property '"
                    + name.text()
                    + "' in "
                    + kind
                    + " type '"
                    + owner.text()
                    + "' (first declared at "
                    + first.position()
                    + ")"
                : "property '"
                    + name.text()
                    + "' clashes with '"
                    + first.text()
                    + "' declared at "
                    + first.position()
                    + "; property names must differ in more than case");
      }
      expect(Kind.COLON, "expected ':' after property name '" + name.text() + "', found ");
      PropertyType type = type("':'");
      boolean nullable = accept(Kind.QUESTION);
      Token keyHere = null;
      Token uniqueAt = null;
      Token indexAt = null;
      while (peek().is(Kind.AT)) {
        Token at = next();
        Token annotation = annotationName();
        switch (annotation.text()) {
          case "key":
            if (!isNode) {
              throw error(at, "@key is only allowed on node properties");
            }
            requireOnce(at, keyHere, "key", name);
            if (keyAt != null) {
              throw error(
                  at,
                  "node type '"
                      + owner.text()
                      + "' has a second @key on '"
                      + name.text()
                      + "'; the first is on '"
                      + key.name()
                      + "' at "
                      + keyAt.position()
                      + ", and exactly one is allowed");
            }
            if (nullable) {
              throw error(
                  at,
                  "key property '"
                      + name.text()
                      + "' of node type '"
                      + owner.text()
                      + "' must not be nullable");
            }
            if (!(type instanceof PropertyType.Scalar scalar) || !scalar.kind().canBeKey()) {
              throw error(
                  at,
                  "key property '"
                      + name.text()
                      + "' of node type '"
                      + owner.text()
                      + "' has type "
                      + type
                      + "; a key must be String, I32 or I64");
            }
            keyHere = at;
            break;
          case "unique":
            requireOnce(at, uniqueAt, "unique", name);
            if (!type.supportsUnique()) {
              throw error(
                  at,
                  "@unique is not supported on property '"
                      + name.text()
                      + "' of type "
                      + type
                      + "; it needs a scalar type other than Blob");
            }
            uniqueAt = at;
            break;
          case "index":
            requireOnce(at, indexAt, "index", name);
            if (!type.supportsIndex()) {
              throw error(
                  at, "@index is not supported on property '" + name.text() + "' of type " + type);
            }
            indexAt = at;
            break;
          case "card":
            throw error(
                at,
                "@card belongs on the edge declaration after its endpoints, not on a"
                    + " property");
          default:
            throw error(
                at,
                "unknown annotation '@"
                    + annotation.text()
                    + "' on property '"
                    + name.text()
                    + "'; a property allows "
                    + (isNode ? "@key, @unique and @index" : "@unique and @index"));
        }
        if (peek().is(Kind.LPAREN)) {
          throw error(peek(), "@" + annotation.text() + " takes no arguments");
        }
      }
      Property property =
          new Property(name.text(), type, nullable, uniqueAt != null, indexAt != null);
      properties.add(property);
      if (keyHere != null) {
        key = property;
        keyAt = keyHere;
      }
    }
  }

  private void requireOnce(Token at, Token earlier, String annotation, Token property) {
    if (earlier != null) {
      throw error(at, "duplicate @" + annotation + " on property '" + property.text() + "'");
    }
  }

  private PropertyType type(String after) {
    Token token = next();
    if (token.is(Kind.LBRACKET)) {
      Token elementToken = peek();
      PropertyType element = type("'['");
      if (element instanceof PropertyType.ListOf || element instanceof PropertyType.Vector) {
        throw error(elementToken, "a list element must be a scalar or enum type, not " + element);
      }
      if (peek().is(Kind.QUESTION)) {
        throw error(
            peek(),
            "list elements cannot be nullable; put '?' after ']' to make the"
                + " list itself nullable");
      }
      expect(Kind.RBRACKET, "expected ']' to close the list type, found ");
      return new PropertyType.ListOf(element);
    }
    if (!token.is(Kind.NAME)) {
      throw error(token, "expected a type after " + after + ", found " + token.describe());
    }
    Optional<ScalarKind> scalar = ScalarKind.fromLanguageName(token.text());
    if (scalar.isPresent()) {
      return new PropertyType.Scalar(scalar.get());
    }
    if (token.text().equals("Vector")) {
      expect(Kind.LPAREN, "expected '(' after 'Vector', found ");
      Token size = next();
      if (!size.is(Kind.NUMBER)) {
        throw error(
            size,
            "expected the vector dimension (a positive integer) after 'Vector(',"
                + " found "
                + size.describe());
      }
      int dimension = number(size, "vector dimension");
      if (dimension < 1 || dimension > PropertyType.MAX_VECTOR_DIMENSION) {
        throw error(
            size,
            "vector dimension must be between 1 and "
                + PropertyType.MAX_VECTOR_DIMENSION
                + ", found "
                + dimension);
      }
      expect(Kind.RPAREN, "expected ')' after the vector dimension, found ");
      return new PropertyType.Vector(dimension);
    }
    if (token.text().equals("enum")) {
      return enumType();
    }
    throw error(
        token,
        "unknown type '"
            + token.text()
            + "'"
            + typeHint(token.text())
            + "; the types are String, Bool, I32, I64, F32, F64, Date, DateTime, Blob, Vector(n),"
            + " [T] and enum(...)");
  }

  private static String typeHint(String written) {
    List<String> known = new ArrayList<>();
    for (ScalarKind kind : ScalarKind.values()) {
      known.add(kind.languageName());
    }
    known.add("Vector");
    known.add("enum");
    for (String name : known) {
      if (name.equalsIgnoreCase(written)) {
        return " (did you mean '" + name + "'?)";
      }
    }
    return "";
  }

  private PropertyType enumType() {
    expect(Kind.LPAREN, "expected '(' after 'enum', found ");
    List<String> values = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    while (true) {
      Token value = next();
      if (!value.is(Kind.NAME)) {
        throw error(
            value,
            "expected an enum value (a name such as 'active') after "
                + (values.isEmpty() ? "'enum('" : "','")
                + ", found "
                + value.describe());
      }
      if (!PropertyType.EnumOf.isValidValue(value.text())) {
        throw error(value, "enum value is longer than 128 characters");
      }
      if (!seen.add(value.text())) {
        throw error(value, "duplicate enum value '" + value.text() + "'");
      }
      values.add(value.text());
      if (accept(Kind.COMMA)) {
        if (accept(Kind.RPAREN)) {
          return new PropertyType.EnumOf(values);
        }
        continue;
      }
      expect(Kind.RPAREN, "expected ',' or ')' after enum value '" + value.text() + "', found ");
      return new PropertyType.EnumOf(values);
    }
  }

  // ---- names, numbers, tokens

  /** Reads a node or edge type name and records it; type names share one namespace. */
  private Token declareTypeName(String kind) {
    Token name = next();
    if (!name.is(Kind.NAME)) {
      throw error(name, "expected a type name after '" + kind + "', found " + name.describe());
    }
    checkName(name, kind + " type name");
    Token first = typeNames.putIfAbsent(name.text().toLowerCase(Locale.ROOT), name);
    if (first != null) {
      // Case variants clash too: a type name becomes a file name, and some file systems fold.
      throw error(
          name,
          first.text().equals(name.text())
              ? "duplicate type name '"
                  + name.text()
                  + "' (first declared at "
                  + first.position()
                  + ")"
              : "type name '"
                  + name.text()
                  + "' clashes with '"
                  + first.text()
                  + "' declared at "
                  + first.position()
                  + "; type names must differ in more than case");
    }
    return name;
  }

  private Token nodeTypeName(String expectedMessage) {
    Token name = next();
    if (!name.is(Kind.NAME)) {
      throw error(name, expectedMessage + name.describe());
    }
    checkName(name, "node type name");
    return name;
  }

  private Token annotationName() {
    Token name = next();
    if (!name.is(Kind.NAME)) {
      throw error(name, "expected an annotation name after '@', found " + name.describe());
    }
    return name;
  }

  /** Names follow {@link TypeName}: they become file and column names. */
  private void checkName(Token name, String what) {
    try {
      TypeName.of(name.text());
    } catch (InvalidNameException e) {
      throw error(name, "invalid " + what + " " + name.describe() + ": must match " + NAME_RULE);
    }
  }

  private int number(Token token, String what) {
    try {
      return Integer.parseInt(token.text());
    } catch (NumberFormatException e) {
      throw error(token, what + " " + token.describe() + " is too large");
    }
  }

  private Token peek() {
    return tokens.get(position);
  }

  private Token peek(int ahead) {
    return tokens.get(Math.min(position + ahead, tokens.size() - 1));
  }

  private Token next() {
    Token token = tokens.get(position);
    if (!token.is(Kind.END)) {
      position++;
    }
    return token;
  }

  private boolean accept(Kind kind) {
    if (peek().is(kind)) {
      next();
      return true;
    }
    return false;
  }

  /** Consumes a token of {@code kind}, or fails with {@code message} + what was found. */
  private Token expect(Kind kind, String message) {
    Token token = peek();
    if (!token.is(kind)) {
      throw error(token, message + token.describe());
    }
    return next();
  }

  private static SchemaParseException error(Token at, String reason) {
    return new SchemaParseException(at.line(), at.column(), reason);
  }
}
