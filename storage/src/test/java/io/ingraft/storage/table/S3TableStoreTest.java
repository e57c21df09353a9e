package io.ingraft.storage.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.testing.S3ProxyServer;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The table store contract on a real S3 server (s3proxy on loopback), each test under its own key
 * prefix of the shared bucket: every Lance open, staging call and commit goes through the store's
 * storage options.
 */
class S3TableStoreTest extends TableStoreContractTest {
  private String prefix;

  @Override
  protected ObjectStore newStore() {
    prefix = "tables/" + UUID.randomUUID();
    return ObjectStore.open(S3ProxyServer.shared().config(prefix));
  }

  @Test
  void tablesAreObjectsUnderTheStorePrefix() {
    tables.create(PERSON, PERSON_SCHEMA, "id");

    assertThat(objectStore.lanceUri(PERSON)).startsWith("s3://").contains(prefix);
    assertThat(objectStore.list(PERSON + "/_versions/")).isNotEmpty();
  }
}
