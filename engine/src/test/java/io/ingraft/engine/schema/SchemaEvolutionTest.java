package io.ingraft.engine.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.ingraft.engine.schema.RejectedChange.Kind;
import io.ingraft.engine.schema.SchemaChange.AddedEdgeType;
import io.ingraft.engine.schema.SchemaChange.AddedNodeType;
import io.ingraft.engine.schema.SchemaChange.AddedProperty;
import io.ingraft.engine.schema.SchemaChange.ExtendedEnum;
import io.ingraft.storage.TableKey;
import io.ingraft.storage.TypeName;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SchemaEvolutionTest {
  private static final String BASE =
      """
      node Person {
        name: String @key
        age: I32?
        email: String? @unique
        status: enum(active, paused)
        roles: [enum(admin, user)]?
      }
      node Company { name: String @key }
      edge WorksAt: Person -> Company @card(0..1) { since: Date? }
      """;

  private static List<SchemaChange> check(String from, String to) {
    return SchemaEvolution.check(GraphSchema.parse(from), GraphSchema.parse(to));
  }

  private static List<RejectedChange> rejected(String from, String to) {
    try {
      check(from, to);
    } catch (IncompatibleSchemaChangeException e) {
      assertThat(e.reasons()).isNotEmpty();
      return e.reasons();
    }
    return fail("expected the change to be rejected:\n" + to);
  }

  private static RejectedChange only(String from, String to) {
    List<RejectedChange> reasons = rejected(from, to);
    assertThat(reasons).hasSize(1);
    return reasons.get(0);
  }

  private static TableKey person() {
    return TableKey.of("nodes/Person");
  }

  @Test
  void identicalSchemasHaveNoChanges() {
    assertThat(check(BASE, BASE)).isEmpty();
    assertThat(check("", "")).isEmpty();
    String reformatted =
        "// v2, same structure\n"
            + BASE.replace("  ", "    ")
                .replace(
                    "node Company { name: String @key }", "node Company {\n  name: String @key\n}");
    assertThat(check(BASE, reformatted)).isEmpty();
    // Declaring types in another order changes no table.
    assertThat(
            check(
                "node A { k: I32 @key } node B { k: I32 @key }",
                "node B { k: I32 @key } node A { k: I32 @key }"))
        .isEmpty();
  }

  @Test
  void additiveChangesAreAccepted() {
    String to =
        BASE.replace(
                    "  roles: [enum(admin, user)]?\n",
                    "  roles: [enum(admin, user, auditor)]?\n  nickname: String?\n")
                .replace("enum(active, paused)", "enum(active, paused, banned, gone)")
                .replace("{ since: Date? }", "{ since: Date?  title: String? }")
            + "node City { name: String @key }\nedge LivesIn: Person -> City\n";
    assertThat(check(BASE, to))
        .containsExactly(
            new ExtendedEnum(person(), "status", List.of("banned", "gone")),
            new ExtendedEnum(person(), "roles", List.of("auditor")),
            new AddedProperty(person(), Property.of("nickname", PropertyType.STRING, true)),
            new AddedNodeType(TypeName.of("City")),
            new AddedProperty(
                TableKey.of("edges/WorksAt"), Property.of("title", PropertyType.STRING, true)),
            new AddedEdgeType(TypeName.of("LivesIn")));
    assertThat(new AddedNodeType(TypeName.of("City")).table()).isEqualTo(TableKey.of("nodes/City"));
    assertThat(new AddedEdgeType(TypeName.of("LivesIn")).table())
        .isEqualTo(TableKey.of("edges/LivesIn"));
  }

  @Test
  void fromEmptyEverythingIsAdded() {
    assertThat(check("", BASE))
        .containsExactly(
            new AddedNodeType(TypeName.of("Person")),
            new AddedNodeType(TypeName.of("Company")),
            new AddedEdgeType(TypeName.of("WorksAt")));
  }

  @Test
  void enumValuesInAnotherOrderAreNoChange() {
    assertThat(check(BASE, BASE.replace("enum(active, paused)", "enum(paused, active)"))).isEmpty();
  }

  @Test
  void newPropertyMayFollowTheKeyWhereverTheKeyIsDeclared() {
    // The key is the first column whatever its place in the block.
    assertThat(check("node A { k: I32 @key  x: I32? }", "node A { x: I32?  k: I32 @key  y: I32? }"))
        .containsExactly(
            new AddedProperty(TableKey.of("nodes/A"), Property.of("y", PropertyType.I32, true)));
  }

  @Test
  void droppedTypes() {
    assertThat(
            only(
                BASE,
                BASE.replace(
                    "edge WorksAt: Person -> Company @card(0..1)" + " { since: Date? }\n", "")))
        .isEqualTo(
            RejectedChange.ofType(
                Kind.DROPPED_TYPE, TableKey.of("edges/WorksAt"), "edge type dropped"));
    List<RejectedChange> reasons = rejected(BASE, "node Person { name: String @key }");
    assertThat(reasons).extracting(RejectedChange::kind).contains(Kind.DROPPED_TYPE);
    assertThat(reasons)
        .extracting(RejectedChange::table)
        .contains(TableKey.of("nodes/Company"), TableKey.of("edges/WorksAt"));
  }

  @Test
  void typeKindChange() {
    RejectedChange change =
        only(
            "node A { k: I32 @key } node B { k: I32 @key }",
            "node A { k: I32 @key } edge B: A -> A");
    assertThat(change.kind()).isEqualTo(Kind.CHANGED_TYPE_KIND);
    assertThat(change.table()).isEqualTo(TableKey.of("nodes/B"));
    assertThat(change.describe()).isEqualTo("nodes/B: node type became an edge type");
    assertThat(
            only(
                    "node A { k: I32 @key } edge B: A -> A",
                    "node A { k: I32 @key } node B { k: I32 @key }")
                .kind())
        .isEqualTo(Kind.CHANGED_TYPE_KIND);
  }

  @Test
  void droppedProperty() {
    RejectedChange change = only(BASE, BASE.replace("  email: String? @unique\n", ""));
    assertThat(change)
        .isEqualTo(
            RejectedChange.ofProperty(
                Kind.DROPPED_PROPERTY,
                person(),
                "email",
                "property dropped (was email: String? @unique)"));
    assertThat(change.describe())
        .isEqualTo("nodes/Person.email: property dropped (was email: String? @unique)");
  }

  @Test
  void retypedProperty() {
    RejectedChange change = only(BASE, BASE.replace("age: I32?", "age: I64?"));
    assertThat(change)
        .isEqualTo(
            RejectedChange.ofProperty(
                Kind.RETYPED_PROPERTY, person(), "age", "retyped from I32 to I64"));
    assertThat(only(BASE, BASE.replace("status: enum(active, paused)", "status: String")).kind())
        .isEqualTo(Kind.RETYPED_PROPERTY);
    // An enum does not grow into a list of enums, even with a superset of values.
    assertThat(
            only(
                    BASE,
                    BASE.replace(
                        "status: enum(active, paused)", "status: [enum(active, paused, x)]"))
                .kind())
        .isEqualTo(Kind.RETYPED_PROPERTY);
  }

  @Test
  void changedKey() {
    RejectedChange other =
        only(
            BASE,
            BASE.replace("name: String @key\n  age: I32?", "name: String\n  age: I32?")
                .replace("email: String? @unique", "email: String @key"));
    assertThat(other)
        .isEqualTo(
            RejectedChange.ofProperty(
                Kind.CHANGED_KEY,
                person(),
                "email",
                "key changed from name: String to email: String"));
    RejectedChange retyped = only("node A { k: I32 @key }", "node A { k: I64 @key }");
    assertThat(retyped)
        .isEqualTo(
            RejectedChange.ofProperty(
                Kind.CHANGED_KEY,
                TableKey.of("nodes/A"),
                "k",
                "key changed from k: I32 to k: I64"));
    assertThat(only("node A { k: I32 @key }", "node A { id: String @key }").kind())
        .isEqualTo(Kind.CHANGED_KEY);
  }

  @Test
  void addedRequiredProperty() {
    RejectedChange change =
        only(
            BASE,
            BASE.replace(
                "roles: [enum(admin, user)]?\n", "roles: [enum(admin, user)]?\n  born: Date\n"));
    assertThat(change)
        .isEqualTo(
            RejectedChange.ofProperty(
                Kind.ADDED_REQUIRED_PROPERTY,
                person(),
                "born",
                "new property born: Date must be nullable: existing rows have no value"
                    + " for it"));
  }

  @Test
  void changedNullability() {
    assertThat(only(BASE, BASE.replace("age: I32?", "age: I32")))
        .isEqualTo(
            RejectedChange.ofProperty(
                Kind.CHANGED_NULLABILITY, person(), "age", "was nullable, now required"));
    assertThat(
            only(
                    BASE,
                    BASE.replace("status: enum(active, paused)", "status: enum(active, paused)?"))
                .detail())
        .isEqualTo("was required, now nullable");
  }

  @Test
  void changedConstraints() {
    assertThat(only(BASE, BASE.replace("email: String? @unique", "email: String?")))
        .isEqualTo(
            RejectedChange.ofProperty(
                Kind.CHANGED_CONSTRAINT, person(), "email", "@unique removed"));
    assertThat(only(BASE, BASE.replace("age: I32?", "age: I32? @index")).detail())
        .isEqualTo("@index added");
    assertThat(only(BASE, BASE.replace("{ name: String @key }", "{ name: String @key @unique }")))
        .isEqualTo(
            RejectedChange.ofProperty(
                Kind.CHANGED_CONSTRAINT, TableKey.of("nodes/Company"), "name", "@unique added"));
  }

  @Test
  void removedEnumValues() {
    assertThat(only(BASE, BASE.replace("enum(active, paused)", "enum(active, banned)")))
        .isEqualTo(
            RejectedChange.ofProperty(
                Kind.REMOVED_ENUM_VALUES, person(), "status", "enum values removed: paused"));
    assertThat(only(BASE, BASE.replace("[enum(admin, user)]", "[enum(admin)]")).property())
        .contains("roles");
  }

  @Test
  void changedEndpointsAndCardinality() {
    String extra = BASE + "node City { name: String @key }\n";
    assertThat(only(extra, extra.replace("Person -> Company", "Person -> City")))
        .isEqualTo(
            RejectedChange.ofType(
                Kind.CHANGED_ENDPOINTS,
                TableKey.of("edges/WorksAt"),
                "endpoints changed from Person -> Company to Person -> City"));
    assertThat(only(BASE, BASE.replace("@card(0..1) ", "")))
        .isEqualTo(
            RejectedChange.ofType(
                Kind.CHANGED_CARDINALITY,
                TableKey.of("edges/WorksAt"),
                "@card changed from 0..1 to 0..*"));
    assertThat(only(BASE, BASE.replace("@card(0..1)", "@card(0..2)")).kind())
        .isEqualTo(Kind.CHANGED_CARDINALITY);
  }

  @Test
  void propertyOrder() {
    RejectedChange swapped =
        only(
            "node A { k: I32 @key  x: I32?  y: I32? }", "node A { k: I32 @key  y: I32?  x: I32? }");
    assertThat(swapped)
        .isEqualTo(
            RejectedChange.ofType(
                Kind.CHANGED_PROPERTY_ORDER,
                TableKey.of("nodes/A"),
                "existing properties changed order from [k, x, y] to [k, y, x]"));
    RejectedChange inserted =
        only("node A { k: I32 @key  x: I32? }", "node A { k: I32 @key  n: I32?  x: I32? }");
    assertThat(inserted)
        .isEqualTo(
            RejectedChange.ofProperty(
                Kind.CHANGED_PROPERTY_ORDER,
                TableKey.of("nodes/A"),
                "n",
                "new property must come after the existing properties"
                    + " (new columns are appended to the table)"));
  }

  @Test
  void everyRejectedChangeIsReportedAtOnce() {
    String to =
        BASE.replace("age: I32?", "age: F64")
            .replace("  email: String? @unique\n", "")
            .replace("@card(0..1)", "@card(1..1)")
            .replace(
                "node Company { name: String @key }\n",
                "node Company { name: String @key }\n" + "node City { name: String @key }\n");
    IncompatibleSchemaChangeException e = null;
    try {
      check(BASE, to);
    } catch (IncompatibleSchemaChangeException thrown) {
      e = thrown;
    }
    assertThat(e).isNotNull();
    assertThat(e.reasons())
        .extracting(RejectedChange::kind)
        .containsExactly(
            Kind.DROPPED_PROPERTY,
            Kind.RETYPED_PROPERTY,
            Kind.CHANGED_NULLABILITY,
            Kind.CHANGED_CARDINALITY);
    assertThat(e.getMessage())
        .isEqualTo(
            "incompatible schema change (4 rejected):"
                + " nodes/Person.email: property dropped (was email: String? @unique);"
                + " nodes/Person.age: retyped from I32 to F64;"
                + " nodes/Person.age: was nullable, now required;"
                + " edges/WorksAt: @card changed from 0..1 to 1..1");
  }

  @Test
  void longReasonListsAreCutInTheMessage() {
    StringBuilder from = new StringBuilder();
    for (int i = 0; i < 12; i++) {
      from.append("node T").append(i).append(" { k: I32 @key }\n");
    }
    IncompatibleSchemaChangeException e = null;
    try {
      check(from.toString(), "");
    } catch (IncompatibleSchemaChangeException thrown) {
      e = thrown;
    }
    assertThat(e).isNotNull();
    assertThat(e.reasons()).hasSize(12);
    assertThat(e.getMessage())
        .endsWith("; and 2 more")
        .contains("nodes/T9: node type dropped")
        .doesNotContain("nodes/T10");
    assertThat(e.reasons().get(0).property()).isEqualTo(Optional.empty());
  }
}
