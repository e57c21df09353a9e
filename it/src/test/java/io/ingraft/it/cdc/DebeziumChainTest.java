package io.ingraft.it.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.app.cli.CdcShop;
import io.ingraft.app.local.ConnectWorker;
import io.ingraft.app.local.LocalPostgres;
import io.ingraft.app.local.Psql;
import io.ingraft.it.kafka.KafkaTestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness on its own, without Ingraft: a private PostgreSQL, the Debezium connector on a
 * Connect worker in its own JVM, and the change events that reach the broker. Pins down what the
 * CDC core decodes: snapshot rows ({@code op=r}, no transaction block), a streamed transaction over
 * two tables (its events carry {@code txId:lsn} ids and one END record with per-table counts), a
 * cascaded delete and its tombstone, and a truncate.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class DebeziumChainTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void changeEventsOfCommittedTransactionsArriveWithTheirMetadata(
      KafkaTestBroker kafka, @TempDir Path dir) {
    CdcAssumptions.assumePostgresInstalled();
    String prefix = KafkaTestBroker.uniqueName("shop").replace('-', '_');
    try (LocalPostgres pg = CdcHarness.startPostgres(dir);
        ConnectWorker ignored = prepareAndConnect(pg, kafka, dir, prefix)) {
      Psql psql = pg.psql();
      psql.execute(
          """
          BEGIN;
          INSERT INTO customers VALUES (3, 'carol', 1);
          INSERT INTO orders VALUES (11, 3, 5);
          COMMIT;
          DELETE FROM customers WHERE id = 2;
          TRUNCATE order_items;
          """);
      List<ConsumerRecord<String, String>> records =
          CdcHarness.readUntil(
              kafka,
              List.of(
                  prefix + ".public.customers",
                  prefix + ".public.orders",
                  prefix + ".transaction",
                  prefix + ".public.order_items"),
              Duration.ofSeconds(90),
              // Topics are not ordered among themselves: the END record can arrive after the
              // truncate, so wait for both.
              all ->
                  all.stream()
                          .anyMatch(r -> r.value() != null && r.value().contains("\"op\":\"t\""))
                      && endOfCarolsTransaction(all, prefix).isPresent());

      List<JsonNode> customers = values(records, prefix + ".public.customers");
      assertThat(customers)
          .filteredOn(v -> v.path("op").asText().equals("r"))
          .hasSize(2)
          .allSatisfy(
              v ->
                  assertThat(
                          v.path("transaction").isNull() || v.path("transaction").isMissingNode())
                      .isTrue());
      JsonNode carol = carolsInsert(customers).orElseThrow();
      String txId = carol.path("source").path("txId").asText();
      assertThat(carol.path("transaction").path("id").asText()).startsWith(txId + ":");
      JsonNode end = endOfCarolsTransaction(records, prefix).orElseThrow();
      assertThat(end.path("event_count").asInt()).isEqualTo(2);
      // Customer 2 placed order 10: the delete cascades to it, and to its item.
      assertThat(values(records, prefix + ".public.orders"))
          .anySatisfy(v -> assertThat(v.path("op").asText()).isEqualTo("d"));
      assertThat(records)
          .anySatisfy(
              r -> {
                assertThat(r.topic()).isEqualTo(prefix + ".public.customers");
                assertThat(r.value()).isNull();
              });
      assertThat(values(records, prefix + ".public.order_items"))
          .anySatisfy(v -> assertThat(v.path("op").asText()).isEqualTo("t"));
    }
  }

  private static ConnectWorker prepareAndConnect(
      LocalPostgres pg, KafkaTestBroker kafka, Path dir, String prefix) {
    pg.psql()
        .execute(
            CdcShop.DDL
                + """
        INSERT INTO customers VALUES (1, 'alice', NULL), (2, 'bob', 1);
        INSERT INTO products VALUES (100, 'pen', 2);
        INSERT INTO orders VALUES (10, 2, 3);
        INSERT INTO order_items VALUES (10, 100, 3);
        """);
    return CdcHarness.startConnector(
        pg, kafka.bootstrapServers(), dir.resolve("connect"), prefix, Map.of());
  }

  private static Optional<JsonNode> carolsInsert(List<JsonNode> customers) {
    return customers.stream().filter(v -> v.path("op").asText().equals("c")).findFirst();
  }

  /** The END record of the transaction that inserted carol, once both have arrived. */
  private static Optional<JsonNode> endOfCarolsTransaction(
      List<ConsumerRecord<String, String>> records, String prefix) {
    Optional<JsonNode> carol = carolsInsert(values(records, prefix + ".public.customers"));
    if (carol.isEmpty()) {
      return Optional.empty();
    }
    String txId = carol.get().path("source").path("txId").asText();
    return values(records, prefix + ".transaction").stream()
        .filter(
            v ->
                v.path("status").asText().equals("END")
                    && v.path("id").asText().startsWith(txId + ":"))
        .findFirst();
  }

  private static List<JsonNode> values(List<ConsumerRecord<String, String>> records, String topic) {
    List<JsonNode> values = new ArrayList<>();
    for (ConsumerRecord<String, String> r : records) {
      if (r.topic().equals(topic) && r.value() != null) {
        try {
          values.add(JSON.readTree(r.value()));
        } catch (Exception e) {
          throw new AssertionError("not JSON: " + r.value(), e);
        }
      }
    }
    return values;
  }
}
