package io.ingraft.app.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.engine.schema.GraphSchema;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CdcMappingTest {
  static final Path EXAMPLE = Path.of("..", "docs", "examples", "shop-cdc-mapping.yaml");

  @Test
  void theShopExampleIsAValidMapping() throws Exception {
    MappingReader reader = MappingReader.of(EXAMPLE);
    CdcMapping mapping = reader.read();
    assertThat(MappingCheck.problems(reader, mapping, Optional.empty())).isEmpty();
    assertThat(mapping.transactional()).isTrue();
    assertThat(mapping.tables())
        .containsOnlyKeys(
            "public.customers", "public.products", "public.orders", "public.order_items");
    assertThat(mapping.table("public.order_items").isEdge()).isTrue();
    assertThat(MappingCheck.declaredSchema(mapping)).isPresent();
  }

  @Test
  void unknownKeysAreAllReportedWithLineAndColumn() {
    String text =
        """
        source: shop
        graph: shop
        topicz: [a]
        tables:
          public.t:
            node: T
            key: [id]
            colums: {a: b}
        """;
    assertThatThrownBy(() -> MappingReader.of("m.yaml", text).read())
        .isInstanceOfSatisfying(
            InvalidMappingException.class,
            e -> {
              assertThat(e.problems()).hasSize(2);
              assertThat(e.problems().get(0).toString())
                  .startsWith("3:1: unknown key \"topicz\";" + " expected one of ")
                  .contains("topicPattern");
              assertThat(e.problems().get(1).line()).isEqualTo(8);
              assertThat(e.problems().get(1).column()).isEqualTo(5);
              assertThat(e.problems().get(1).message()).startsWith("unknown key \"colums\"");
            });
  }

  @Test
  void aValueOfTheWrongTypeIsAProblemAtItsPlace() {
    String text =
        """
        source: shop
        graph: shop
        topics: [a]
        tables:
          public.t:
            node: T
            key: {id: 1}
        """;
    assertThatThrownBy(() -> MappingReader.of("m.yaml", text).read())
        .isInstanceOfSatisfying(
            InvalidMappingException.class,
            e -> {
              assertThat(e.problems()).hasSize(1);
              assertThat(e.problems().get(0).line()).isEqualTo(7);
            });
  }

  @Test
  void everySemanticProblemIsReportedAgainstTheSchema() {
    String text =
        """
        source: shop
        graph: Shop!
        topics: [shop.public.orders]
        topicPattern: "shop\\\\..*"
        transactionTopic: shop.transaction
        tables:
          public.orders:
            node: Order
            key: [id]
            foreignKeys:
              customer_id: {edge: Placed, references: Client}
          public.order_items:
            edge: Contains
            key: [order_id, product_id]
            from: {column: order_id, node: Product}
            to: {column: product_id, node: Product}
          items:
            node: Order
            key: [a, b]
        """;
    GraphSchema schema =
        GraphSchema.parse(
            """
        node Order { id: I64 @key }
        node Product { id: I64 @key }
        edge Contains: Order -> Product
        """);
    MappingReader reader = MappingReader.of("m.yaml", text);
    List<MappingProblem> problems =
        MappingCheck.problems(reader, reader.read(), Optional.of(schema));
    assertThat(problems)
        .extracting(MappingProblem::toString)
        .anySatisfy(p -> assertThat(p).startsWith("2:8: graph:"));
    assertThat(problems)
        .extracting(MappingProblem::message)
        .anySatisfy(m -> assertThat(m).contains("exactly one of topics"))
        .anySatisfy(m -> assertThat(m).contains("references node type Client"))
        .anySatisfy(m -> assertThat(m).contains("edge's from type is Order, not Product"))
        .anySatisfy(m -> assertThat(m).contains("named schema.table"))
        .anySatisfy(m -> assertThat(m).contains("needs keyProperty"));
    assertThat(problems).allSatisfy(p -> assertThat(p.line()).isPositive());
  }
}
