package io.ingraft.it.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ingraft.app.cli.CdcShop;
import io.ingraft.app.local.Psql;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The shop as a graph, in a form that compares: nodes by type and key with their properties, edges
 * by type and endpoints with theirs, every value as text (the graph may store a key as a number
 * where SQL printed it, and the other way round). Edge ids are left out: they are derived by the
 * mapping's rule, and what the database determines is which edges exist.
 *
 * <p>Built either from the database ({@link #fromDatabase}: the oracle, by SQL over the tables'
 * current rows, the way {@link io.ingraft.app.cli.CdcShop#mappingJson} maps them) or from a graph
 * export ({@link #fromExport}). {@link #invariantViolations} checks what every committed
 * transaction of the {@link ShopWorkload} keeps true.
 */
record ShopGraph(Map<String, String> nodes, Set<String> edges) {
  static final String CUSTOMER = "Customer";
  static final String PRODUCT = "Product";
  static final String ORDER = "Order";

  /** Customer to the customer that referred it ({@code customers.referred_by}). */
  static final String REFERRED_BY = "REFERRED_BY";

  /** Order to the customer that placed it ({@code orders.customer_id}). */
  static final String PLACED_BY = "PLACED_BY";

  /** Order to product, with the quantity ({@code order_items}). */
  static final String CONTAINS = "CONTAINS";

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The query {@link #fromRows} reads: every row of the four tables as {@code table <TAB>
   * row_to_json}. One query, so a test can append it to a transaction's script and read the state
   * that transaction left with the same {@code psql} call.
   */
  static final String ORACLE_QUERY =
      """
      SELECT 'customers', row_to_json(t) FROM customers t
      UNION ALL SELECT 'products', row_to_json(t) FROM products t
      UNION ALL SELECT 'orders', row_to_json(t) FROM orders t
      UNION ALL SELECT 'order_items', row_to_json(t) FROM order_items t;
      """;

  /** The graph the mapping makes of the database's current rows. */
  static ShopGraph fromDatabase(Psql psql) {
    return fromRows(psql.query(ORACLE_QUERY));
  }

  /**
   * The graph of the rows {@link #ORACLE_QUERY} returned; other rows (the output of statements
   * before it in the same script) are skipped.
   */
  static ShopGraph fromRows(List<List<String>> rows) {
    Map<String, List<ObjectNode>> tables = new TreeMap<>();
    for (List<String> row : rows) {
      if (row.size() == 2 && row.get(1).startsWith("{")) {
        tables
            .computeIfAbsent(row.get(0), t -> new ArrayList<>())
            .add((ObjectNode) read(row.get(1)));
      }
    }
    Map<String, String> nodes = new TreeMap<>();
    Set<String> edges = new TreeSet<>();
    boolean evolve = CdcShop.NEW_COLUMNS.equals("evolve");
    for (ObjectNode row : tables.getOrDefault("customers", List.of())) {
      String id = row.remove("id").asText();
      if (!evolve) {
        row.remove(ShopWorkload.ADDED_COLUMN); // the mapping ignores new source columns
      }
      JsonNode referrer = row.remove("referred_by");
      nodes.put(nodeKey(CUSTOMER, id), props(row));
      if (referrer != null && !referrer.isNull()) {
        edges.add(edge(REFERRED_BY, id, referrer.asText(), JSON.createObjectNode()));
      }
    }
    for (ObjectNode row : tables.getOrDefault("products", List.of())) {
      nodes.put(nodeKey(PRODUCT, row.remove("id").asText()), props(row));
    }
    for (ObjectNode row : tables.getOrDefault("orders", List.of())) {
      String id = row.remove("id").asText();
      String customer = row.remove("customer_id").asText();
      nodes.put(nodeKey(ORDER, id), props(row));
      edges.add(edge(PLACED_BY, id, customer, JSON.createObjectNode()));
    }
    for (ObjectNode row : tables.getOrDefault("order_items", List.of())) {
      String order = row.remove("order_id").asText();
      String product = row.remove("product_id").asText();
      edges.add(edge(CONTAINS, order, product, row));
    }
    return new ShopGraph(nodes, edges);
  }

  /** The graph of an export ({@code GraphSnapshot.export}: JSON lines). */
  static ShopGraph fromExport(String export) {
    Map<String, String> nodes = new TreeMap<>();
    Set<String> edges = new TreeSet<>();
    for (String line : export.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode item = read(line);
      ObjectNode props =
          item.path("props").isObject() ? (ObjectNode) item.get("props") : JSON.createObjectNode();
      String type = item.path("type").asText();
      if (item.path("kind").asText().equals("node")) {
        nodes.put(nodeKey(type, item.path("key").asText()), props(props));
      } else {
        edges.add(edge(type, item.path("from").asText(), item.path("to").asText(), props));
      }
    }
    return new ShopGraph(nodes, edges);
  }

  /**
   * What the workload's transactions keep true, as seen in this graph: every order has exactly one
   * {@code PLACED_BY} edge, its {@code CONTAINS} quantities add up to its {@code total}, and every
   * edge's endpoints exist. Empty when all hold.
   */
  List<String> invariantViolations() {
    Map<String, Integer> placedBy = new TreeMap<>();
    Map<String, Long> quantities = new TreeMap<>();
    List<String> violations = new ArrayList<>();
    for (String edge : edges) {
      String[] parts = edge.split(" ", 4);
      String type = parts[0];
      String[] ends = parts[1].split("->");
      String fromType = type.equals(REFERRED_BY) ? CUSTOMER : ORDER;
      String toType = type.equals(CONTAINS) ? PRODUCT : CUSTOMER;
      if (!nodes.containsKey(nodeKey(fromType, ends[0]))
          || !nodes.containsKey(nodeKey(toType, ends[1]))) {
        violations.add("dangling edge " + edge);
      }
      if (type.equals(PLACED_BY)) {
        placedBy.merge(ends[0], 1, Integer::sum);
      } else if (type.equals(CONTAINS)) {
        quantities.merge(ends[0], read(parts[2]).path("quantity").asLong(), Long::sum);
      }
    }
    nodes.forEach(
        (key, props) -> {
          if (!key.startsWith(ORDER + "/")) {
            return;
          }
          String id = key.substring(ORDER.length() + 1);
          int customers = placedBy.getOrDefault(id, 0);
          if (customers != 1) {
            violations.add("order " + id + " has " + customers + " customer edges");
          }
          long total = read(props).path("total").asLong();
          long sum = quantities.getOrDefault(id, 0L);
          if (total != sum) {
            violations.add("order " + id + ": total " + total + ", items' quantities " + sum);
          }
        });
    return violations;
  }

  /** A readable difference to {@code expected}, for assertion messages. */
  String diff(ShopGraph expected) {
    StringBuilder out = new StringBuilder();
    expected.nodes.forEach(
        (k, v) -> {
          if (!v.equals(nodes.get(k))) {
            out.append("  node ")
                .append(k)
                .append(": expected ")
                .append(v)
                .append(", got ")
                .append(nodes.get(k))
                .append('\n');
          }
        });
    nodes.keySet().stream()
        .filter(k -> !expected.nodes.containsKey(k))
        .forEach(k -> out.append("  node ").append(k).append(": not in the database\n"));
    expected.edges.stream()
        .filter(e -> !edges.contains(e))
        .forEach(e -> out.append("  edge missing: ").append(e).append('\n'));
    edges.stream()
        .filter(e -> !expected.edges.contains(e))
        .forEach(e -> out.append("  edge not in the database: ").append(e).append('\n'));
    return out.length() > 4000 ? out.substring(0, 4000) + "  ..." : out.toString();
  }

  int size() {
    return nodes.size() + edges.size();
  }

  private static String nodeKey(String type, String key) {
    return type + "/" + key;
  }

  private static String edge(String type, String from, String to, ObjectNode props) {
    return type + " " + from + "->" + to + " " + props(props);
  }

  /** Properties as sorted JSON, values as text, nulls left out (as the export leaves them). */
  private static String props(ObjectNode props) {
    ObjectNode sorted = JSON.createObjectNode();
    List<String> names = new ArrayList<>();
    props.fieldNames().forEachRemaining(names::add);
    names.sort(null);
    for (String name : names) {
      JsonNode value = props.get(name);
      if (value != null && !value.isNull()) {
        sorted.put(name, value.isValueNode() ? value.asText() : value.toString());
      }
    }
    return sorted.toString();
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + json, e);
    }
  }
}
