package io.ingraft.engine.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.storage.TableKey;
import io.ingraft.storage.TypeName;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class GraphSchemaParseTest {
  static final String EXAMPLE =
      """
      // comments
      node Person {
        name: String @key
        age: I32?
        email: String? @unique
        tags: [String]?
        embedding: Vector(8)?
      }
      node Company { name: String @key }
      edge WorksAt: Person -> Company @card(0..1) { since: Date? }
      edge Knows: Person -> Person
      """;

  @Test
  void parsesTheExampleIntoEveryField() throws Exception {
    GraphSchema schema = GraphSchema.parse(EXAMPLE);

    assertThat(schema.source()).isEqualTo(EXAMPLE);
    assertThat(schema.nodeTypes())
        .extracting(n -> n.name().value())
        .containsExactly("Person", "Company");
    assertThat(schema.edgeTypes())
        .extracting(e -> e.name().value())
        .containsExactly("WorksAt", "Knows");

    NodeType person = schema.nodeType("Person").orElseThrow();
    assertThat(person.name()).isEqualTo(TypeName.of("Person"));
    assertThat(person.tableKey()).isEqualTo(TableKey.of("nodes/Person"));
    assertThat(person.properties())
        .containsExactly(
            new Property("name", PropertyType.STRING, false, false, false),
            new Property("age", PropertyType.I32, true, false, false),
            new Property("email", PropertyType.STRING, true, true, false),
            new Property("tags", new PropertyType.ListOf(PropertyType.STRING), true, false, false),
            new Property("embedding", new PropertyType.Vector(8), true, false, false));
    assertThat(person.key()).isEqualTo(person.properties().get(0));
    assertThat(person.keyKind()).isEqualTo(ScalarKind.STRING);
    assertThat(person.property("email")).contains(person.properties().get(2));
    assertThat(person.property("Email")).isEmpty();

    NodeType company = schema.nodeType("Company").orElseThrow();
    assertThat(company.properties())
        .containsExactly(Property.of("name", PropertyType.STRING, false));
    assertThat(company.key().name()).isEqualTo("name");

    EdgeType worksAt = schema.edgeType("WorksAt").orElseThrow();
    assertThat(worksAt.from()).isEqualTo(TypeName.of("Person"));
    assertThat(worksAt.to()).isEqualTo(TypeName.of("Company"));
    assertThat(worksAt.cardinality()).isEqualTo(new Cardinality(0, OptionalInt.of(1)));
    assertThat(worksAt.cardinality().toString()).isEqualTo("0..1");
    assertThat(worksAt.properties()).containsExactly(Property.of("since", PropertyType.DATE, true));
    assertThat(worksAt.tableKey()).isEqualTo(TableKey.of("edges/WorksAt"));
    assertThat(schema.fromType(worksAt)).isSameAs(person);
    assertThat(schema.toType(worksAt)).isSameAs(company);

    EdgeType knows = schema.edgeType("Knows").orElseThrow();
    assertThat(knows.from()).isEqualTo(TypeName.of("Person"));
    assertThat(knows.to()).isEqualTo(TypeName.of("Person"));
    assertThat(knows.cardinality()).isEqualTo(Cardinality.ANY);
    assertThat(knows.cardinality().isUnbounded()).isTrue();
    assertThat(knows.properties()).isEmpty();

    assertThat(schema.nodeType("Knows")).isEmpty();
    assertThat(schema.edgeType("Person")).isEmpty();
    String sha =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(EXAMPLE.getBytes(StandardCharsets.UTF_8)));
    assertThat(schema.hash()).isEqualTo(sha).hasSize(64).isLowerCase();
    assertThat(schema.toString())
        .isEqualTo(
            "GraphSchema[nodes=[Person, Company],"
                + " edges=[WorksAt, Knows], "
                + EXAMPLE.length()
                + " source chars]");
  }

  @Test
  void parsesEveryType() {
    GraphSchema schema =
        GraphSchema.parse(
            """
        node T {
          s: String @key
          b: Bool
          i: I32
          l: I64 @index
          f: F32
          d: F64?
          day: Date
          at: DateTime @unique
          bytes: Blob?
          v: Vector(3) @index
          li: [I64]
          le: [enum(x, y)]?
          e: enum(active, paused, done,)
        }
        """);
    NodeType t = schema.nodeType("T").orElseThrow();
    assertThat(t.properties())
        .extracting(Property::type)
        .containsExactly(
            PropertyType.STRING,
            PropertyType.BOOL,
            PropertyType.I32,
            PropertyType.I64,
            PropertyType.F32,
            PropertyType.F64,
            PropertyType.DATE,
            PropertyType.DATE_TIME,
            PropertyType.BLOB,
            new PropertyType.Vector(3),
            new PropertyType.ListOf(PropertyType.I64),
            new PropertyType.ListOf(new PropertyType.EnumOf(List.of("x", "y"))),
            new PropertyType.EnumOf(List.of("active", "paused", "done")));
    assertThat(t.properties())
        .extracting(p -> p.type().toString())
        .containsExactly(
            "String",
            "Bool",
            "I32",
            "I64",
            "F32",
            "F64",
            "Date",
            "DateTime",
            "Blob",
            "Vector(3)",
            "[I64]",
            "[enum(x, y)]",
            "enum(active, paused, done)");
    assertThat(t.property("d").orElseThrow().nullable()).isTrue();
    assertThat(t.property("l").orElseThrow().index()).isTrue();
    assertThat(t.property("at").orElseThrow().unique()).isTrue();
    assertThat(t.property("bytes").orElseThrow().declaration()).isEqualTo("bytes: Blob?");
  }

  @Test
  void keysMayBeStringI32OrI64AndAnywhereInTheBody() {
    GraphSchema schema =
        GraphSchema.parse(
            """
        node A { x: String  id: I32 @key @unique }
        node B { id: I64 @key @index }
        """);
    assertThat(schema.nodeType("A").orElseThrow().key().name()).isEqualTo("id");
    assertThat(schema.nodeType("A").orElseThrow().keyKind()).isEqualTo(ScalarKind.I32);
    assertThat(schema.nodeType("B").orElseThrow().keyKind()).isEqualTo(ScalarKind.I64);
  }

  @Test
  void cardinalityForms() {
    GraphSchema schema =
        GraphSchema.parse(
            """
        edge A: N -> N @card(1..*)
        edge B: N -> N @card(2..5) { w: F64 }
        edge C: N -> N @card(0..1)
        edge D: N -> N { }
        node N { k: String @key }
        """);
    assertThat(schema.edgeType("A").orElseThrow().cardinality()).isEqualTo(Cardinality.atLeast(1));
    assertThat(schema.edgeType("A").orElseThrow().cardinality().toString()).isEqualTo("1..*");
    assertThat(schema.edgeType("B").orElseThrow().cardinality()).isEqualTo(Cardinality.of(2, 5));
    assertThat(schema.edgeType("C").orElseThrow().cardinality()).isEqualTo(Cardinality.of(0, 1));
    assertThat(schema.edgeType("D").orElseThrow().cardinality()).isEqualTo(Cardinality.ANY);
    assertThat(schema.edgeType("D").orElseThrow().properties()).isEmpty();
    Cardinality card = Cardinality.of(1, 2);
    assertThat(card.allows(0)).isFalse();
    assertThat(card.allows(1)).isTrue();
    assertThat(card.allows(2)).isTrue();
    assertThat(card.allows(3)).isFalse();
    assertThat(Cardinality.ANY.allows(1_000_000)).isTrue();
  }

  @Test
  void emptyAndCommentOnlyInputAreValidEmptySchemas() {
    for (String source :
        List.of("", "   \n\t\r\n", "// only a comment", "/* block\n */ // x\n", "\uFEFF")) {
      GraphSchema schema = GraphSchema.parse(source);
      assertThat(schema.isEmpty()).as(source).isTrue();
      assertThat(schema.nodeTypes()).isEmpty();
      assertThat(schema.edgeTypes()).isEmpty();
    }
    assertThat(GraphSchema.parse("").hash())
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assertThat(GraphSchema.empty()).isEqualTo(GraphSchema.parse(""));
  }

  @Test
  void keywordsAreContextualSoTheyWorkAsPropertyNames() {
    GraphSchema schema =
        GraphSchema.parse(
            "node node { edge: String @key  node: I32  enum: Bool  String: Date  key: I64 }");
    assertThat(schema.nodeType("node").orElseThrow().properties())
        .extracting(Property::name)
        .containsExactly("edge", "node", "enum", "String", "key");
  }

  @Test
  void commentsAndLineEndingsAnywhere() {
    GraphSchema schema =
        GraphSchema.parse(
            "node /* inline */ P {\r\n  k: String @key // trailing\r\n  /* x */ v: I32?\r}");
    assertThat(schema.nodeType("P").orElseThrow().properties())
        .extracting(Property::name)
        .containsExactly("k", "v");
  }

  @Test
  void hashDependsOnTheExactSource() {
    GraphSchema a = GraphSchema.parse("node P { k: String @key }");
    GraphSchema b = GraphSchema.parse("node P {  k: String @key }");
    assertThat(a.nodeTypes()).isEqualTo(b.nodeTypes());
    assertThat(a.hash()).isNotEqualTo(b.hash());
    assertThat(a.hash()).isEqualTo(GraphSchema.parse("node P { k: String @key }").hash());
  }

  @Test
  void parsesUtf8Bytes() {
    GraphSchema schema = GraphSchema.parse(EXAMPLE.getBytes(StandardCharsets.UTF_8));
    assertThat(schema).isEqualTo(GraphSchema.parse(EXAMPLE));
    assertThat(schema.hash()).isEqualTo(GraphSchema.parse(EXAMPLE).hash());
  }
}
