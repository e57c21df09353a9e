package io.ingraft.it.cdc;

/**
 * The CDC mapping of the shop database that {@link ShopGraph#fromDatabase} mirrors: one graph
 * {@value #GRAPH}, the connector's four change topics and its transaction topic, a declared
 * schema, new source columns evolved into the graph. Customers, products and orders become
 * nodes keyed by {@code id}; {@code referred_by} and {@code customer_id} become edges (the
 * columns themselves are not properties); {@code order_items} becomes {@code CONTAINS} edges with
 * the quantity.
 */
final class ShopMapping {
  static final String GRAPH = "shop";

  /** The schema the mapping declares for a new graph. */
  static final String SCHEMA = """
      node Customer { id: I64 @key name: String }
      node Product { id: I64 @key name: String price: I32 }
      node Order { id: I64 @key total: I32 }
      edge REFERRED_BY: Customer -> Customer
      edge PLACED_BY: Order -> Customer
      edge CONTAINS: Order -> Product { quantity: I32 }
      """;

  private ShopMapping() {
  }

  /** The mapping, as JSON, for a connector whose {@code topic.prefix} is {@code prefix}. */
  static String json(String prefix) {
    String schema = SCHEMA.strip().replace("\n", "\\n");
    return """
        {
          "source": "%1$s",
          "graph": "%2$s",
          "topics": ["%1$s.public.customers", "%1$s.public.products", "%1$s.public.orders",
                     "%1$s.public.order_items"],
          "transactionTopic": "%1$s.transaction",
          "schema": "%3$s",
          "newColumns": "evolve",
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
        """.formatted(prefix, GRAPH, schema);
  }
}
