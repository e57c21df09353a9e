package io.ingraft.app.cli;

/**
 * The shop database of the CDC demo, proof and benchmark, and its CDC mapping: customers (with a
 * self-referencing {@code referred_by}), products, orders (a customer foreign key and a {@code
 * total}) and the {@code order_items} join table (order, product, quantity), mapped to one graph
 * {@value #GRAPH}.
 *
 * <p>Deletes cascade the way a shop's would: a customer takes its orders and their items with it; a
 * referrer's deletion clears {@code referred_by}; a product's deletion removes its order lines.
 * Every cascaded change reaches the WAL, and so Debezium, as a change of its own row.
 *
 * <p>The mapping: customers, products and orders become nodes keyed by {@code id}; {@code
 * referred_by} and {@code customer_id} become {@code REFERRED_BY} and {@code PLACED_BY} edges (the
 * columns themselves are not properties); {@code order_items} becomes {@code CONTAINS} edges with
 * the quantity; a new source column is handled as {@link #NEW_COLUMNS} says.
 */
public final class CdcShop {
  public static final String GRAPH = "shop";

  public static final String DDL =
      """
      CREATE TABLE customers (
        id          bigint PRIMARY KEY,
        name        text NOT NULL,
        referred_by bigint REFERENCES customers (id) ON DELETE SET NULL
      );
      CREATE TABLE products (
        id    bigint PRIMARY KEY,
        name  text NOT NULL,
        price integer NOT NULL
      );
      CREATE TABLE orders (
        id          bigint PRIMARY KEY,
        customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        total       integer NOT NULL
      );
      CREATE TABLE order_items (
        order_id   bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        product_id bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
        quantity   integer NOT NULL,
        PRIMARY KEY (order_id, product_id)
      );
      """;

  /**
   * What the mapping does with a source column it does not know ({@code newColumns}): {@code
   * evolve}, a new nullable property of the type (docs/cdc.md). The proof's oracle follows this
   * setting.
   */
  public static final String NEW_COLUMNS = "evolve";

  /** The schema the mapping declares for a new graph. */
  public static final String SCHEMA =
      """
      node Customer { id: I64 @key name: String }
      node Product { id: I64 @key name: String price: I32 }
      node Order { id: I64 @key total: I32 }
      edge REFERRED_BY: Customer -> Customer
      edge PLACED_BY: Order -> Customer
      edge CONTAINS: Order -> Product { quantity: I32 }
      """;

  private CdcShop() {}

  /** The mapping, as JSON, for a connector whose {@code topic.prefix} is {@code prefix}. */
  public static String mappingJson(String prefix) {
    String schema = SCHEMA.strip().replace("\n", "\\n");
    return """
        {
          "source": "%1$s",
          "graph": "%2$s",
          "topics": ["%1$s.public.customers", "%1$s.public.products", "%1$s.public.orders",
                     "%1$s.public.order_items"],
          "transactionTopic": "%1$s.transaction",
          "schema": "%3$s",
          "newColumns": "%4$s",
          "tables": {
            "public.customers": {
              "node": "Customer", "key": ["id"], "exclude": ["referred_by"],
              "foreignKeys": {
                "referred_by": {"edge": "REFERRED_BY", "references": "Customer"}
              }
            },
            "public.products": {"node": "Product", "key": ["id"]},
            "public.orders": {
              "node": "Order", "key": ["id"], "exclude": ["customer_id"],
              "foreignKeys": {
                "customer_id": {"edge": "PLACED_BY", "references": "Customer"}
              }
            },
            "public.order_items": {
              "edge": "CONTAINS", "key": ["order_id", "product_id"],
              "from": {"column": "order_id", "node": "Order"},
              "to": {"column": "product_id", "node": "Product"}
            }
          }
        }
        """
        .formatted(prefix, GRAPH, schema, NEW_COLUMNS);
  }
}
