package io.ingraft.engine.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Every parse error, with the exact line:column it points at. */
class SchemaParseErrorTest {
  private static final String P = "node P { k: String @key }\n";

  static SchemaParseException parseError(String source) {
    try {
      GraphSchema.parse(source);
    } catch (SchemaParseException e) {
      return e;
    }
    return fail("expected a SchemaParseException for:\n" + source);
  }

  static void assertError(String source, int line, int column, String reason) {
    SchemaParseException e = parseError(source);
    assertThat(e.getMessage()).as(source).isEqualTo(line + ":" + column + ": " + reason);
    assertThat(e.line()).isEqualTo(line);
    assertThat(e.column()).isEqualTo(column);
    assertThat(e.reason()).isEqualTo(reason);
  }

  @Test
  void missingColonAfterPropertyName() {
    assertError(
        "node P {\n  k: String @key\n  age    { }\n}",
        3,
        10,
        "expected ':' after property name 'age', found '{'");
  }

  @Test
  void unknownType() {
    assertError(
        "node P {\n  name: Strin @key\n}",
        2,
        9,
        "unknown type 'Strin'; the types are String, Bool, I32, I64, F32, F64, Date, DateTime,"
            + " Blob, Vector(n), [T] and enum(...)");
    assertThat(parseError("node P { k: string @key }").reason())
        .startsWith("unknown type 'string' (did you mean 'String'?);");
    assertThat(parseError("node P { k: String @key  v: vector(3) }").reason())
        .startsWith("unknown type 'vector' (did you mean 'Vector'?);");
    assertError(
        "node P { k: String @key  v: [Foo] }",
        1,
        30,
        "unknown type 'Foo'; the types are String, Bool, I32, I64, F32, F64, Date, DateTime,"
            + " Blob, Vector(n), [T] and enum(...)");
  }

  @Test
  void missingType() {
    assertError("node P { k: @key }", 1, 13, "expected a type after ':', found '@'");
    assertError("node P { k: String @key  l: [] }", 1, 30, "expected a type after '[', found ']'");
  }

  @Test
  void missingKey() {
    assertError(
        "node P {\n  name: String\n}",
        1,
        6,
        "node type 'P' has no @key property; mark exactly one property @key");
    assertError(
        "node Empty { }",
        1,
        6,
        "node type 'Empty' has no @key property; mark exactly one property @key");
  }

  @Test
  void twoKeys() {
    assertError(
        "node P {\n  a: String @key\n  b: I64 @key\n}",
        3,
        10,
        "node type 'P' has a second @key on 'b'; the first is on 'a' at 2:13,"
            + " and exactly one is allowed");
  }

  @Test
  void duplicateAnnotation() {
    assertError("node P { a: String @key @key }", 1, 25, "duplicate @key on property 'a'");
    assertError(
        "node P { a: String @key  b: I32 @unique @unique }",
        1,
        41,
        "duplicate @unique on property 'b'");
    assertError(
        "node P { a: String @key  b: I32 @index @index }",
        1,
        40,
        "duplicate @index on property 'b'");
  }

  @Test
  void nullableKey() {
    assertError(
        "node P {\n  a: String? @key\n}",
        2,
        14,
        "key property 'a' of node type 'P' must not be nullable");
  }

  @Test
  void keyOfAnUnsupportedType() {
    assertError(
        "node P {\n  v: Vector(8) @key\n}",
        2,
        16,
        "key property 'v' of node type 'P' has type Vector(8); a key must be String, I32 or I64");
    for (String type :
        new String[] {"Bool", "F32", "F64", "Date", "DateTime", "Blob", "[String]", "enum(a, b)"}) {
      assertError(
          "node P { k: " + type + " @key }",
          1,
          14 + type.length(),
          "key property 'k' of node type 'P' has type "
              + type
              + "; a key must be String, I32 or I64");
    }
  }

  @Test
  void duplicateTypeNames() {
    assertError(P + "edge P: P -> P", 2, 6, "duplicate type name 'P' (first declared at 1:6)");
    assertError(
        P + "node P { j: I32 @key }", 2, 6, "duplicate type name 'P' (first declared at 1:6)");
    assertError(
        P + "node p { k: String @key }",
        2,
        6,
        "type name 'p' clashes with 'P' declared at 1:6; type names must differ in more than case");
  }

  @Test
  void duplicateProperties() {
    assertError(
        "node P {\n  k: String @key\n  k: I32\n}",
        3,
        3,
        "duplicate property 'k' in node type 'P' (first declared at 2:3)");
    assertError(
        P + "edge E: P -> P { w: I32  w: I64 }",
        2,
        26,
        "duplicate property 'w' in edge type 'E' (first declared at 2:18)");
    assertError(
        "node P { k: String @key  K: I32 }",
        1,
        26,
        "property 'K' clashes with 'k' declared at 1:10; property names must differ in more"
            + " than case");
  }

  @Test
  void unknownEndpoint() {
    assertError(P + "edge E: P -> Q", 2, 14, "unknown node type 'Q' as endpoint of edge 'E'");
    assertError(P + "edge E: Q -> P", 2, 9, "unknown node type 'Q' as endpoint of edge 'E'");
    assertError(
        P + "edge E: p -> P",
        2,
        9,
        "unknown node type 'p' as endpoint of edge 'E'; did you mean 'P'?");
    assertError(
        P + "edge F: P -> P\nedge E: P -> F",
        3,
        14,
        "unknown node type 'F' as endpoint of edge 'E'; 'F' is an edge type, and edges connect"
            + " node types");
  }

  @Test
  void endpointsMayBeDeclaredLater() {
    GraphSchema schema =
        GraphSchema.parse("edge E: A -> B\nnode A { k: String @key }\n" + "node B { k: I64 @key }");
    assertThat(schema.edgeType("E")).isPresent();
  }

  @Test
  void badCardinality() {
    String edge = P + "edge E: P -> P ";
    assertError(edge + "@card(2..1)", 2, 25, "@card maximum 1 is below the minimum 2");
    assertError(
        edge + "@card(a..b)",
        2,
        22,
        "expected the minimum edge count (a non-negative integer) after '@card(', found 'a'");
    assertError(
        edge + "@card(1..b)",
        2,
        25,
        "expected the maximum edge count (a positive integer or '*') after '..', found 'b'");
    assertError(
        edge + "@card(0..0)",
        2,
        25,
        "@card maximum must be at least 1 (0 would forbid the edge type)");
    assertError(edge + "@card(1)", 2, 23, "expected '..' after the @card minimum, found ')'");
    assertError(edge + "@card(1..2", 2, 26, "expected ')' to close @card, found end of input");
    assertError(edge + "@card 1..2", 2, 22, "expected '(' after '@card', found '1'");
    assertError(edge + "@card(-1..2)", 2, 22, "unexpected character '-'; did you mean '->'?");
    assertError(edge + "@card(1..99999999999)", 2, 25, "@card maximum '99999999999' is too large");
    assertError(edge + "@card(99999999999..*)", 2, 22, "@card minimum '99999999999' is too large");
    assertError(
        edge + "@card(0..1) @card(0..1)",
        2,
        28,
        "duplicate @card on edge type 'E' (first at 2:16)");
  }

  @Test
  void unterminatedBlock() {
    assertError(
        "node P {\n  k: String @key\n",
        3,
        1,
        "expected '}' to close node type 'P' opened at 1:8, found end of input");
    assertError(
        "node P {\n  k: String @key\nnode Q { k: String @key }",
        3,
        1,
        "expected '}' to close node type 'P' opened at 1:8, found 'node'");
    assertError(
        P + "edge E: P -> P { w: I32",
        2,
        24,
        "expected '}' to close edge type 'E' opened at 2:16, found end of input");
    assertError(
        "node P { k: String @key  l: [String }",
        1,
        37,
        "expected ']' to close the list type, found '}'");
  }

  @Test
  void reservedEdgePropertyNames() {
    for (String name : new String[] {"id", "from", "to", "ID", "From"}) {
      assertError(
          P + "edge E: P -> P { " + name + ": String }",
          2,
          18,
          "property name '"
              + name
              + "' is reserved in edge types (every edge table has the"
              + " columns id, from and to)");
    }
    // Node types have no reserved names.
    assertThat(GraphSchema.parse("node P { id: String @key  from: I32  to: I32 }").nodeTypes())
        .hasSize(1);
  }

  @Test
  void strayCharacters() {
    assertError(P + "#", 2, 1, "unexpected character '#'");
    assertError("node P { k: String @key };", 1, 26, "unexpected character ';'");
    assertError(
        "node P { k: String @key, v: I32 }",
        1,
        24,
        "expected a property name or '}' in node type 'P', found ','");
    assertError(
        "node P { k: String @key } \u00e9", 1, 27, "unexpected character '\u00e9' (U+00E9)");
    assertError("node P { k: String @key }\u0000", 1, 26, "unexpected character U+0000");
    assertError(P + "edge E: P - P", 2, 11, "unexpected character '-'; did you mean '->'?");
    assertError(
        P + "edge E: P -> P @card(0.1)", 2, 23, "unexpected character '.'; did you mean '..'?");
    assertError("/", 1, 1, "unexpected character '/'");
  }

  @Test
  void columnsCountCodePointsAndLinesAnyEnding() {
    assertError("/*\ud83d\ude00*/ #", 1, 7, "unexpected character '#'");
    assertError(
        "node P {\r\n  k: String @key\r\n  x: Foo\r\n}",
        3,
        6,
        "unknown type 'Foo'; the types are String, Bool, I32, I64, F32, F64, Date, DateTime,"
            + " Blob, Vector(n), [T] and enum(...)");
    assertError(
        "node P {\r  k: String @key\r  x: Foo\r}",
        3,
        6,
        "unknown type 'Foo'; the types are String, Bool, I32, I64, F32, F64, Date, DateTime,"
            + " Blob, Vector(n), [T] and enum(...)");
    assertError("\uFEFFnode P { k: String @key } #", 1, 27, "unexpected character '#'");
  }

  @Test
  void unterminatedBlockComment() {
    assertError(P + "  /* never closed", 2, 3, "unterminated block comment");
  }

  @Test
  void topLevelGarbage() {
    assertError("nodes P { }", 1, 1, "expected 'node' or 'edge', found 'nodes'");
    assertError(P + "}", 2, 1, "expected 'node' or 'edge', found '}'");
    assertError("node { }", 1, 6, "expected a type name after 'node', found '{'");
    assertError("node P k: String", 1, 8, "expected '{' after node type name 'P', found 'k'");
    assertError("node P (", 1, 8, "expected '{' after node type name 'P', found '('");
  }

  @Test
  void malformedEdgeHeaders() {
    assertError(P + "edge E P -> P", 2, 8, "expected ':' after edge type name 'E', found 'P'");
    assertError(P + "edge E: -> P", 2, 9, "expected the source node type after 'E:', found '->'");
    assertError(P + "edge E: P P", 2, 11, "expected '->' after source node type 'P', found 'P'");
    assertError(
        P + "edge E: P ->", 2, 13, "expected the target node type after '->', found end of input");
    assertError(
        P + "edge E: P -> P @unique",
        2,
        16,
        "@unique belongs on a property; an edge declaration allows only @card");
    assertError(
        P + "edge E: P -> P @weight",
        2,
        16,
        "unknown annotation '@weight' on edge type 'E'; an edge declaration allows only @card");
  }

  @Test
  void invalidNames() {
    String tooLong = "A".repeat(129);
    assertError(
        "node " + tooLong + " { k: String @key }",
        1,
        6,
        "invalid node type name '"
            + "A".repeat(40)
            + "...': must match"
            + " [A-Za-z][A-Za-z0-9_]{0,127}");
    assertError(
        "node P { _k: String @key }",
        1,
        10,
        "invalid property name '_k': must match [A-Za-z][A-Za-z0-9_]{0,127}");
    assertError(
        P + "edge E: _P -> P",
        2,
        9,
        "invalid node type name '_P': must match [A-Za-z][A-Za-z0-9_]{0,127}");
    assertError("node 1P { }", 1, 6, "expected a type name after 'node', found '1'");
  }

  @Test
  void annotationErrors() {
    assertError(
        "node P { k: String @key  w: I32 @weight }",
        1,
        33,
        "unknown annotation '@weight' on property 'w'; a property allows @key, @unique and"
            + " @index");
    assertError(
        P + "edge E: P -> P { w: I32 @key }", 2, 25, "@key is only allowed on node properties");
    assertError(
        P + "edge E: P -> P { w: I32 @weight }",
        2,
        25,
        "unknown annotation '@weight' on property 'w'; a property allows @unique and @index");
    assertError(
        "node P { k: String @key  w: I32 @card(0..1) }",
        1,
        33,
        "@card belongs on the edge declaration after its endpoints, not on a property");
    assertError("node P { k: String @key(a) }", 1, 24, "@key takes no arguments");
    assertError(
        "node P { k: String @ }", 1, 22, "expected an annotation name after '@', found '}'");
    assertError(
        "node P { k: String @key  v: Vector(4) @unique }",
        1,
        39,
        "@unique is not supported on property 'v' of type Vector(4); it needs a scalar type"
            + " other than Blob");
    assertError(
        "node P { k: String @key  b: Blob @unique }",
        1,
        34,
        "@unique is not supported on property 'b' of type Blob; it needs a scalar type other"
            + " than Blob");
    assertError(
        "node P { k: String @key  l: [I32] @index }",
        1,
        35,
        "@index is not supported on property 'l' of type [I32]");
  }

  @Test
  void typeShapeErrors() {
    assertError(
        "node P { k: String @key  l: [[I32]] }",
        1,
        30,
        "a list element must be a scalar or enum type, not [I32]");
    assertError(
        "node P { k: String @key  l: [Vector(2)] }",
        1,
        30,
        "a list element must be a scalar or enum type, not Vector(2)");
    assertError(
        "node P { k: String @key  l: [I32?] }",
        1,
        33,
        "list elements cannot be nullable; put '?' after ']' to make the list itself nullable");
    assertError(
        "node P { k: String @key  v: Vector(0) }",
        1,
        36,
        "vector dimension must be between 1 and 65536, found 0");
    assertError(
        "node P { k: String @key  v: Vector(65537) }",
        1,
        36,
        "vector dimension must be between 1 and 65536, found 65537");
    assertError(
        "node P { k: String @key  v: Vector(99999999999) }",
        1,
        36,
        "vector dimension '99999999999' is too large");
    assertError(
        "node P { k: String @key  v: Vector }", 1, 36, "expected '(' after 'Vector', found '}'");
    assertError(
        "node P { k: String @key  v: Vector(x) }",
        1,
        36,
        "expected the vector dimension (a positive integer) after 'Vector(', found 'x'");
    assertError(
        "node P { k: String @key  v: Vector(3 }",
        1,
        38,
        "expected ')' after the vector dimension, found '}'");
    assertError(
        "node P { k: String @key  e: enum() }",
        1,
        34,
        "expected an enum value (a name such as 'active') after 'enum(', found ')'");
    assertError("node P { k: String @key  e: enum(a, a) }", 1, 37, "duplicate enum value 'a'");
    assertError(
        "node P { k: String @key  e: enum(a b) }",
        1,
        36,
        "expected ',' or ')' after enum value 'a', found 'b'");
    assertError(
        "node P { k: String @key  e: enum(a, 1) }",
        1,
        37,
        "expected an enum value (a name such as 'active') after ',', found '1'");
    assertError(
        "node P { k: String @key  e: enum a }", 1, 34, "expected '(' after 'enum', found 'a'");
    assertError(
        "node P { k: String @key  e: enum(" + "v".repeat(129) + ") }",
        1,
        34,
        "enum value is longer than 128 characters");
  }

  @Test
  void oversizedInput() {
    String big = "// " + "x".repeat(GraphSchema.MAX_SOURCE_BYTES);
    assertError(
        big,
        1,
        1,
        "schema source is "
            + (GraphSchema.MAX_SOURCE_BYTES + 3)
            + " bytes, more than the limit of 1048576 bytes");
    SchemaParseException fromBytes = null;
    try {
      GraphSchema.parse(big.getBytes(StandardCharsets.UTF_8));
    } catch (SchemaParseException e) {
      fromBytes = e;
    }
    assertThat(fromBytes).isNotNull();
    assertThat(fromBytes.reason()).contains("more than the limit of 1048576 bytes");
    // Exactly at the limit is fine.
    assertThat(GraphSchema.parse("//" + "x".repeat(GraphSchema.MAX_SOURCE_BYTES - 2)).isEmpty())
        .isTrue();
  }

  @Test
  void malformedUtf8() {
    byte[] source = "node P {\n  k: String @key \u00e9".getBytes(StandardCharsets.UTF_8);
    byte[] broken = java.util.Arrays.copyOf(source, source.length + 1);
    broken[source.length - 1] = (byte) 0xff; // replaces the second byte of é
    broken[source.length] = 'x';
    SchemaParseException e = null;
    try {
      GraphSchema.parse(broken);
    } catch (SchemaParseException thrown) {
      e = thrown;
    }
    assertThat(e).isNotNull();
    assertThat(e.getMessage()).isEqualTo("2:18: schema source is not valid UTF-8");
  }
}
