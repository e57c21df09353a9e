package io.ingraft.engine.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.storage.InvalidNameException;
import io.ingraft.storage.TypeName;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The records check their own invariants, for code that builds a schema without the parser. */
class SchemaModelTest {
  private static final Property KEY = Property.of("k", PropertyType.STRING, false);

  private static NodeType node(String name) {
    return new NodeType(TypeName.of(name), List.of(KEY), KEY);
  }

  @Test
  void nodeTypeRules() {
    assertThatThrownBy(() -> new NodeType(TypeName.of("A"), List.of(), KEY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not one of");
    Property nullable = Property.of("k", PropertyType.STRING, true);
    assertThatThrownBy(() -> new NodeType(TypeName.of("A"), List.of(nullable), nullable))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nullable");
    Property vector = Property.of("v", new PropertyType.Vector(2), false);
    assertThatThrownBy(() -> new NodeType(TypeName.of("A"), List.of(vector), vector))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("String, I32 or I64");
    assertThatThrownBy(
            () ->
                new NodeType(
                    TypeName.of("A"), List.of(KEY, Property.of("K", PropertyType.I32, true)), KEY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("clash");
  }

  @Test
  void listsAreCopied() {
    List<Property> properties = new ArrayList<>(List.of(KEY));
    NodeType node = new NodeType(TypeName.of("A"), properties, KEY);
    properties.add(Property.of("x", PropertyType.I32, true));
    assertThat(node.properties()).containsExactly(KEY);
    assertThatThrownBy(() -> node.properties().add(KEY))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void edgeTypeRules() {
    assertThatThrownBy(
            () ->
                new EdgeType(
                    TypeName.of("E"),
                    TypeName.of("A"),
                    TypeName.of("A"),
                    List.of(Property.of("To", PropertyType.I32, true)),
                    Cardinality.ANY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reserved");
  }

  @Test
  void graphSchemaRules() {
    EdgeType edge =
        new EdgeType(
            TypeName.of("E"), TypeName.of("A"), TypeName.of("B"), List.of(), Cardinality.ANY);
    assertThatThrownBy(() -> new GraphSchema("", List.of(node("A")), List.of(edge)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("endpoint B");
    assertThatThrownBy(() -> new GraphSchema("", List.of(node("A"), node("a")), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("clash");
    EdgeType named =
        new EdgeType(
            TypeName.of("A"), TypeName.of("A"), TypeName.of("A"), List.of(), Cardinality.ANY);
    assertThatThrownBy(() -> new GraphSchema("", List.of(node("A")), List.of(named)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("clash");
  }

  @Test
  void propertyRules() {
    assertThatThrownBy(() -> Property.of("1x", PropertyType.I32, true))
        .isInstanceOf(InvalidNameException.class);
    assertThatThrownBy(() -> new Property("b", PropertyType.BLOB, true, true, false))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new Property("l", new PropertyType.ListOf(PropertyType.I32), true, false, true))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(new Property("e", PropertyType.STRING, true, true, true).declaration())
        .isEqualTo("e: String? @unique @index");
  }

  @Test
  void typeRules() {
    assertThatThrownBy(() -> new PropertyType.Vector(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PropertyType.Vector(PropertyType.MAX_VECTOR_DIMENSION + 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PropertyType.ListOf(new PropertyType.Vector(2)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PropertyType.EnumOf(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PropertyType.EnumOf(List.of("a", "a")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PropertyType.EnumOf(List.of("in-progress")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(ScalarKind.fromLanguageName("DateTime")).contains(ScalarKind.DATE_TIME);
    assertThat(ScalarKind.fromLanguageName("datetime")).isEmpty();
  }

  @Test
  void cardinalityRules() {
    assertThatThrownBy(() -> Cardinality.of(2, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Cardinality.of(0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Cardinality.atLeast(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(Cardinality.atLeast(0)).isEqualTo(Cardinality.ANY);
    assertThat(Cardinality.of(1, 1)).isEqualTo(new Cardinality(1, OptionalInt.of(1)));
  }
}
