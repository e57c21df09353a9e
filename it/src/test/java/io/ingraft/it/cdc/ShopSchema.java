package io.ingraft.it.cdc;

/**
 * The shop database of the CDC proofs, as SQL: customers (with a self-referencing
 * {@code referred_by}), products, orders (a customer foreign key and a {@code total}) and the
 * {@code order_items} join table (order, product, quantity). The workload keeps one invariant in
 * every transaction it commits: an order's {@code total} is the sum of its items' quantities.
 *
 * <p>Deletes cascade the way a shop's would: a customer takes its orders and their items with
 * it; a referrer's deletion clears {@code referred_by}; a product's deletion removes its order
 * lines (the workload corrects the totals in the same transaction). Every cascaded change reaches
 * the WAL, and so Debezium, as a change of its own row.
 */
final class ShopSchema {
  private ShopSchema() {
  }

  static final String DDL = """
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

  /** The tables, as Debezium names their topics after the prefix: {@code public.<table>}. */
  static final String[] TABLES = {"customers", "products", "orders", "order_items"};

  /** The column the workload's one {@code ALTER TABLE ... ADD COLUMN} adds to customers. */
  static final String ADDED_COLUMN = "tier";
}
