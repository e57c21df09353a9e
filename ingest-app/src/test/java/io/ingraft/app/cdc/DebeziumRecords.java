package io.ingraft.app.cdc;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Debezium 3.6 PostgreSQL records of the shop schema, shaped exactly as the JSON converter writes
 * them with schemas off (docs/cdc.md, "What Debezium sends"): the envelope, the source block, the
 * transaction block whose id is {@code txId:lsn} with the event's own LSN, snapshot records without
 * a transaction block, and BEGIN/END records.
 */
final class DebeziumRecords {
  private DebeziumRecords() {}

  static String source(String table, long txId, long lsn, String snapshot) {
    return String.format(
        Locale.ROOT,
        "{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\","
            + "\"name\":\"shop\",\"ts_ms\":1700000000000,\"snapshot\":\"%s\",\"db\":\"postgres\","
            + "\"sequence\":\"[null,\\\"%d\\\"]\",\"ts_us\":1700000000000000,"
            + "\"ts_ns\":1700000000000000000,\"schema\":\"public\",\"table\":\"%s\",\"txId\":%d,"
            + "\"lsn\":%d,\"xmin\":null}",
        snapshot,
        lsn,
        table,
        txId,
        lsn);
  }

  /** A streaming change in transaction {@code txId} at place {@code order}. */
  static byte[] change(
      String op, String table, String before, String after, long txId, long lsn, long order) {
    return String.format(
            Locale.ROOT,
            "{\"before\":%s,\"after\":%s,\"source\":%s,"
                + "\"transaction\":{\"id\":\"%d:%d\",\"total_order\":%d,\"data_collection_order\":%d},"
                + "\"op\":\"%s\",\"ts_ms\":1700000000100,\"ts_us\":1700000000100000,"
                + "\"ts_ns\":1700000000100000000}",
            before,
            after,
            source(table, txId, lsn, "false"),
            txId,
            lsn,
            order,
            order,
            op)
        .getBytes(StandardCharsets.UTF_8);
  }

  /** A snapshot record ({@code op = r}, no transaction block). */
  static byte[] snapshot(String table, String after, long txId, long lsn, String marker) {
    return String.format(
            Locale.ROOT,
            "{\"before\":null,\"after\":%s,\"source\":%s,"
                + "\"transaction\":null,\"op\":\"r\",\"ts_ms\":1700000000100}",
            after,
            source(table, txId, lsn, marker))
        .getBytes(StandardCharsets.UTF_8);
  }

  /** A change without transaction metadata (provide.transaction.metadata=false). */
  static byte[] untracked(
      String op, String table, String before, String after, long txId, long lsn) {
    return String.format(
            Locale.ROOT,
            "{\"before\":%s,\"after\":%s,\"source\":%s,"
                + "\"transaction\":null,\"op\":\"%s\",\"ts_ms\":1700000000100}",
            before,
            after,
            source(table, txId, lsn, "false"),
            op)
        .getBytes(StandardCharsets.UTF_8);
  }

  static byte[] begin(long txId, long lsn) {
    return String.format(
            Locale.ROOT,
            "{\"status\":\"BEGIN\",\"id\":\"%d:%d\",\"event_count\":"
                + "null,\"data_collections\":null,\"ts_ms\":1700000000000}",
            txId,
            lsn)
        .getBytes(StandardCharsets.UTF_8);
  }

  /** An END record; {@code counts} alternates table and count: "public.orders", 2, ... */
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
                + "\"data_collections\":[%s],\"ts_ms\":1700000000000}",
            txId,
            lsn,
            total,
            collections)
        .getBytes(StandardCharsets.UTF_8);
  }

  static String customer(long id, String name, Long referredBy) {
    return String.format(
        Locale.ROOT,
        "{\"id\":%d,\"name\":\"%s\",\"email\":\"%s@shop\"," + "\"referred_by\":%s}",
        id,
        name,
        name.toLowerCase(Locale.ROOT),
        referredBy == null ? "null" : referredBy.toString());
  }

  static String customerKeyOnly(long id) {
    return String.format(
        Locale.ROOT, "{\"id\":%d,\"name\":null,\"email\":null," + "\"referred_by\":null}", id);
  }

  static String product(long id, String name, String price) {
    return String.format(
        Locale.ROOT, "{\"id\":%d,\"name\":\"%s\",\"price\":\"%s\"}", id, name, price);
  }

  static String order(long id, long customer, String total, String status) {
    return String.format(
        Locale.ROOT,
        "{\"id\":%d,\"customer_id\":%d,\"total\":\"%s\"," + "\"status\":\"%s\"}",
        id,
        customer,
        total,
        status);
  }

  static String item(long order, long product, int quantity) {
    return String.format(
        Locale.ROOT,
        "{\"order_id\":%d,\"product_id\":%d,\"quantity\":%d}",
        order,
        product,
        quantity);
  }

  static byte[] key(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }
}
