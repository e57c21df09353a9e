package io.ingraft.it.cdc;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Locale;

/**
 * Debezium 3.6 PostgreSQL records of the shop schema as the JSON converter writes them with schemas
 * off (docs/cdc.md): the envelope with its source block, the transaction block whose id is {@code
 * txId:lsn} with the event's own LSN, snapshot records ({@code op = r}, no transaction block), and
 * BEGIN and END records of the transaction topic.
 */
final class ShopFeed {
  private ShopFeed() {}

  static String source(String table, long txId, long lsn, String snapshot) {
    return String.format(
        Locale.ROOT,
        "{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\","
            + "\"name\":\"shop\",\"ts_ms\":%d,\"snapshot\":\"%s\",\"db\":\"postgres\","
            + "\"schema\":\"public\",\"table\":\"%s\",\"txId\":%d,\"lsn\":%d,\"xmin\":null}",
        1_700_000_000_000L + txId,
        snapshot,
        table,
        txId,
        lsn);
  }

  static byte[] change(
      String op, String table, String before, String after, long txId, long lsn, long order) {
    return String.format(
            Locale.ROOT,
            "{\"before\":%s,\"after\":%s,\"source\":%s,"
                + "\"transaction\":{\"id\":\"%d:%d\",\"total_order\":%d,\"data_collection_order\":%d},"
                + "\"op\":\"%s\",\"ts_ms\":1700000000100}",
            before,
            after,
            source(table, txId, lsn, "false"),
            txId,
            lsn,
            order,
            order,
            op)
        .getBytes(UTF_8);
  }

  static byte[] snapshot(String table, String after, String marker) {
    return String.format(
            Locale.ROOT,
            "{\"before\":null,\"after\":%s,\"source\":%s,"
                + "\"transaction\":null,\"op\":\"r\",\"ts_ms\":1700000000100}",
            after,
            source(table, 700, 1000, marker))
        .getBytes(UTF_8);
  }

  static byte[] begin(long txId, long lsn) {
    return String.format(
            Locale.ROOT,
            "{\"status\":\"BEGIN\",\"id\":\"%d:%d\",\"event_count\":"
                + "null,\"data_collections\":null,\"ts_ms\":1700000000000}",
            txId,
            lsn)
        .getBytes(UTF_8);
  }

  /** An END; {@code counts} alternates table and count. */
  static byte[] end(long txId, long lsn, Object... counts) {
    StringBuilder collections = new StringBuilder();
    long total = 0;
    for (int i = 0; i < counts.length; i += 2) {
      if (collections.length() > 0) {
        collections.append(',');
      }
      collections
          .append("{\"data_collection\":\"")
          .append(counts[i])
          .append("\",\"event_count\":")
          .append(counts[i + 1])
          .append('}');
      total += ((Number) counts[i + 1]).longValue();
    }
    return String.format(
            Locale.ROOT,
            "{\"status\":\"END\",\"id\":\"%d:%d\",\"event_count\":%d,"
                + "\"data_collections\":[%s],\"ts_ms\":%d}",
            txId,
            lsn,
            total,
            collections,
            1_700_000_000_000L + txId)
        .getBytes(UTF_8);
  }

  static String customer(long id, Long referredBy) {
    return String.format(
        Locale.ROOT,
        "{\"id\":%d,\"name\":\"c%d\",\"email\":\"c%d@shop\"," + "\"referred_by\":%s}",
        id,
        id,
        id,
        referredBy == null ? "null" : referredBy);
  }

  static String customerKey(long id) {
    return String.format(
        Locale.ROOT, "{\"id\":%d,\"name\":null,\"email\":null," + "\"referred_by\":null}", id);
  }

  static String product(long id, String price) {
    return String.format(
        Locale.ROOT, "{\"id\":%d,\"name\":\"p%d\",\"price\":\"%s\"}", id, id, price);
  }

  static String order(long id, long customer, long total) {
    return String.format(
        Locale.ROOT,
        "{\"id\":%d,\"customer_id\":%d,\"total\":\"%d.00\"," + "\"status\":\"open\"}",
        id,
        customer,
        total);
  }

  static String orderKey(long id) {
    return String.format(
        Locale.ROOT, "{\"id\":%d,\"customer_id\":null,\"total\":null," + "\"status\":null}", id);
  }

  static String item(long order, long product, int quantity) {
    return String.format(
        Locale.ROOT,
        "{\"order_id\":%d,\"product_id\":%d,\"quantity\":%d}",
        order,
        product,
        quantity);
  }

  static byte[] idKey(long id) {
    return String.format(Locale.ROOT, "{\"id\":%d}", id).getBytes(UTF_8);
  }

  static byte[] itemKey(long order, long product) {
    return String.format(Locale.ROOT, "{\"order_id\":%d,\"product_id\":%d}", order, product)
        .getBytes(UTF_8);
  }
}
