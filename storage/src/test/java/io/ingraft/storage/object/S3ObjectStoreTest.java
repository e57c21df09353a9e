package io.ingraft.storage.object;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.storage.StorageConfig;
import io.ingraft.storage.testing.S3ProxyServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The object store contract on a real S3 server (s3proxy on loopback), each test under its own key
 * prefix of the shared bucket, plus prefix handling, paging and the Lance options.
 */
class S3ObjectStoreTest extends ObjectStoreContractTest {
  private static final Pattern IN_FLIGHT =
      Pattern.compile(".+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  private String prefix;

  @Override
  protected ObjectStore newStore() {
    prefix = "contract/" + UUID.randomUUID();
    return new S3ObjectStore(S3ProxyServer.shared().config(prefix));
  }

  /**
   * s3proxy writes each PUT to {@code <key>-<uuid>} next to the key and links it into place, and
   * its LIST does not hide those files, so a list concurrent with PUTs may show them (AWS never
   * does).
   */
  @Override
  protected boolean isServerInFlightName(String key) {
    return IN_FLIGHT.matcher(key).matches();
  }

  @Test
  void lanceUriAndOptionsPointAtTheServer() {
    S3ProxyServer server = S3ProxyServer.shared();

    assertThat(store.lanceUri("graphs/g1/nodes/Person.lance"))
        .isEqualTo("s3://" + server.bucket() + "/" + prefix + "/graphs/g1/nodes/Person.lance");
    assertThat(store.lanceStorageOptions())
        .isEqualTo(
            Map.of(
                "aws_access_key_id",
                S3ProxyServer.ACCESS_KEY,
                "aws_secret_access_key",
                S3ProxyServer.SECRET_KEY,
                "aws_region",
                S3ProxyServer.REGION,
                "aws_endpoint",
                server.endpoint().toString(),
                "allow_http",
                "true",
                "aws_virtual_hosted_style_request",
                "false"));
  }

  @Test
  void openWithS3ConfigGivesAnS3Store() {
    try (ObjectStore opened = ObjectStore.open(S3ProxyServer.shared().config(prefix))) {
      assertThat(opened).isInstanceOf(S3ObjectStore.class);
      opened.put("k", bytes("v"));
      assertThat(store.read("k")).isEqualTo(bytes("v"));
    }
  }

  @Test
  void storesWithSharedPrefixTextDoNotSeeEachOther() {
    // "p/a" is a string prefix of "p/ab": keys must be matched on "p/a/", not "p/a".
    try (ObjectStore a = new S3ObjectStore(S3ProxyServer.shared().config(prefix + "/a"));
        ObjectStore ab = new S3ObjectStore(S3ProxyServer.shared().config(prefix + "/ab"))) {
      ab.put("k", bytes("in ab"));
      a.put("k", bytes("in a"));

      assertThat(a.list("")).containsExactly("k");
      assertThat(a.read("k")).isEqualTo(bytes("in a"));
      assertThat(ab.read("k")).isEqualTo(bytes("in ab"));
      assertThat(store.list("")).containsExactly("a/k", "ab/k");
    }
  }

  @Test
  void emptyPrefixAddressesTheBucketRoot() {
    S3ProxyServer server = S3ProxyServer.shared();
    try (ObjectStore bucketRoot = new S3ObjectStore(server.config(""))) {
      bucketRoot.put(prefix + "/x", bytes("x"));

      assertThat(bucketRoot.list(prefix + "/")).containsExactly(prefix + "/x");
      assertThat(store.read("x")).isEqualTo(bytes("x"));
      assertThat(bucketRoot.lanceUri("t.lance")).isEqualTo("s3://" + server.bucket() + "/t.lance");
    }
  }

  @Test
  void listFollowsPagesAndStartAfter() {
    StorageConfig config = S3ProxyServer.shared().config(prefix);
    S3Client client = S3ObjectStore.buildClient(config, null);
    try (ObjectStore paged = new S3ObjectStore(config, client, client, 2)) {
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        keys.add(String.format("p/%02d", i));
        paged.put(keys.get(i), bytes("v" + i));
      }
      paged.put("q", bytes("outside the prefix"));

      assertThat(paged.list("p/")).isEqualTo(keys);
      assertThat(paged.list("p/", "p/02")).isEqualTo(keys.subList(3, 7));
      assertThat(paged.list("")).hasSize(8);
    }
  }
}
