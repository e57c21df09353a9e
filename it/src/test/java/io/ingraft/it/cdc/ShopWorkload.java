package io.ingraft.it.cdc;

import io.ingraft.app.cli.CdcShop;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded random workload over the shop database ({@link CdcShop}): the rows that exist before the
 * connector starts (its snapshot), then a stream of SQL transactions that touch several tables at
 * once, move foreign keys, delete with cascades, and include exactly one {@code TRUNCATE} and one
 * {@code ALTER TABLE ... ADD COLUMN}.
 *
 * <p>Every transaction ends by setting each changed order's {@code total} to the sum of its items'
 * quantities, so that invariant holds after every commit. Rows to act on are picked by the database
 * ({@code ORDER BY random()} after {@code setseed}), so the same seed gives the same history on a
 * fresh database; new keys come from counters here, never reused.
 */
final class ShopWorkload {
  /** The column the one {@code ALTER TABLE ... ADD COLUMN} adds to customers. */
  static final String ADDED_COLUMN = "tier";

  /** Sets every order's total to its items' quantities where it differs (the invariant). */
  static final String FIX_TOTALS =
      """
      UPDATE orders o SET total = s.q
        FROM (SELECT o2.id, coalesce(sum(i.quantity), 0) AS q
                FROM orders o2 LEFT JOIN order_items i ON i.order_id = o2.id GROUP BY o2.id) s
       WHERE s.id = o.id AND o.total <> s.q;
      """;

  private final Random random;
  private final int snapshotCustomers;
  private final int snapshotProducts;
  private final int snapshotOrders;
  private long nextCustomer = 1;
  private long nextProduct = 1;
  private long nextOrder = 1;
  private boolean altered;

  ShopWorkload(long seed, int snapshotCustomers, int snapshotProducts, int snapshotOrders) {
    this.random = new Random(seed);
    this.snapshotCustomers = snapshotCustomers;
    this.snapshotProducts = snapshotProducts;
    this.snapshotOrders = snapshotOrders;
  }

  /** The schema and the rows the connector's snapshot reads, as one script. */
  String snapshot() {
    StringBuilder sql = new StringBuilder(CdcShop.DDL).append("BEGIN;\n");
    for (int i = 0; i < snapshotCustomers; i++) {
      long id = nextCustomer++;
      String referrer =
          id > 1 && random.nextInt(3) == 0 ? Long.toString(1 + random.nextLong(id - 1)) : "NULL";
      sql.append("INSERT INTO customers VALUES (")
          .append(id)
          .append(", 'customer-")
          .append(id)
          .append("', ")
          .append(referrer)
          .append(");\n");
    }
    for (int i = 0; i < snapshotProducts; i++) {
      long id = nextProduct++;
      sql.append("INSERT INTO products VALUES (")
          .append(id)
          .append(", 'product-")
          .append(id)
          .append("', ")
          .append(1 + random.nextInt(50))
          .append(");\n");
    }
    for (int i = 0; i < snapshotOrders; i++) {
      long id = nextOrder++;
      sql.append("INSERT INTO orders VALUES (")
          .append(id)
          .append(", ")
          .append(1 + random.nextInt(snapshotCustomers))
          .append(", 0);\n");
      int items = 1 + random.nextInt(3);
      for (int k = 0; k < items; k++) {
        sql.append("INSERT INTO order_items VALUES (")
            .append(id)
            .append(", ")
            .append(1 + random.nextInt(snapshotProducts))
            .append(", ")
            .append(1 + random.nextInt(5))
            .append(") ON CONFLICT DO NOTHING;\n");
      }
    }
    return sql.append(FIX_TOTALS).append("COMMIT;\n").toString();
  }

  /**
   * {@code count} transactions, each a complete {@code BEGIN ... COMMIT} script; the truncate comes
   * at about a third, the schema change at about half.
   */
  List<String> transactions(int count) {
    List<String> out = new ArrayList<>();
    for (int t = 0; t < count; t++) {
      StringBuilder sql =
          new StringBuilder("BEGIN;\nSELECT setseed(")
              .append(random.nextDouble() * 2 - 1)
              .append(");\n");
      if (t == count / 3) {
        // Empties the join table; the totals follow in the same transaction.
        sql.append("TRUNCATE order_items;\n");
      } else if (t == count / 2) {
        sql.append("ALTER TABLE customers ADD COLUMN ").append(ADDED_COLUMN).append(" text;\n");
        sql.append("UPDATE customers SET ")
            .append(ADDED_COLUMN)
            .append(
                " = 'gold' WHERE id IN (SELECT id FROM customers ORDER BY random() LIMIT 3);\n");
        altered = true;
      } else {
        int steps = 1 + random.nextInt(3);
        for (int s = 0; s < steps; s++) {
          step(sql);
        }
      }
      out.add(sql.append(FIX_TOTALS).append("COMMIT;\n").toString());
    }
    return out;
  }

  private void step(StringBuilder sql) {
    switch (random.nextInt(11)) {
      case 0, 1, 2 -> newCustomerWithOrder(sql);
      case 3 ->
          sql.append(
              """
          INSERT INTO order_items
            SELECT o.id, p.id, %d FROM (SELECT id FROM orders ORDER BY random() LIMIT 1) o,
                   (SELECT id FROM products ORDER BY random() LIMIT 1) p
            ON CONFLICT (order_id, product_id) DO UPDATE SET quantity = excluded.quantity;
          """
                  .formatted(1 + random.nextInt(9)));
      case 4 ->
          sql.append(
              """
          UPDATE order_items SET quantity = quantity + %d
           WHERE (order_id, product_id) IN
                 (SELECT order_id, product_id FROM order_items ORDER BY random() LIMIT 2);
          """
                  .formatted(1 + random.nextInt(4)));
      case 5 ->
          sql.append(
              """
          UPDATE orders SET customer_id = (SELECT id FROM customers ORDER BY random() LIMIT 1)
           WHERE id = (SELECT id FROM orders ORDER BY random() LIMIT 1)
             AND EXISTS (SELECT 1 FROM customers);
          """);
      case 6 ->
          sql.append(
              """
          UPDATE customers SET referred_by = CASE WHEN random() < 0.3 THEN NULL
                 ELSE (SELECT id FROM customers ORDER BY random() LIMIT 1) END
           WHERE id = (SELECT id FROM customers ORDER BY random() LIMIT 1);
          """);
      case 7 ->
          sql.append(
              """
          DELETE FROM customers WHERE id = (SELECT id FROM customers ORDER BY random() LIMIT 1);
          """);
      case 8 -> {
        long id = nextProduct++;
        sql.append(
            "DELETE FROM products WHERE id = (SELECT id FROM products ORDER BY random()"
                + " LIMIT 1);\n");
        sql.append("INSERT INTO products VALUES (")
            .append(id)
            .append(", 'product-")
            .append(id)
            .append("', ")
            .append(1 + random.nextInt(50))
            .append(");\n");
      }
      case 9 ->
          sql.append(
              """
          DELETE FROM order_items WHERE (order_id, product_id) =
                 (SELECT order_id, product_id FROM order_items ORDER BY random() LIMIT 1);
          """);
      default -> {
        sql.append(
            "UPDATE products SET price = price + 1, name = name || '+' WHERE id ="
                + " (SELECT id FROM products ORDER BY random() LIMIT 1);\n");
        sql.append("UPDATE customers SET name = name || '*'");
        if (altered) {
          sql.append(", ").append(ADDED_COLUMN).append(" = 'silver'");
        }
        sql.append(" WHERE id = (SELECT id FROM customers ORDER BY random() LIMIT 1);\n");
      }
    }
  }

  private void newCustomerWithOrder(StringBuilder sql) {
    long customer = nextCustomer++;
    long order = nextOrder++;
    sql.append("INSERT INTO customers (id, name, referred_by) SELECT ")
        .append(customer)
        .append(", 'customer-")
        .append(customer)
        .append("', (SELECT id FROM customers ORDER BY random() LIMIT 1);\n");
    sql.append("INSERT INTO orders VALUES (")
        .append(order)
        .append(", ")
        .append(customer)
        .append(", 0);\n");
    sql.append("INSERT INTO order_items SELECT ")
        .append(order)
        .append(", id, 1 + floor(random() * 5)::int FROM products ORDER BY random() LIMIT ")
        .append(1 + random.nextInt(3))
        .append(";\n");
  }
}
