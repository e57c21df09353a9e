package io.ingraft.engine.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ingraft.engine.EventRejectedException;
import io.ingraft.engine.RejectionCode;
import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.write.LoadFiles;
import io.ingraft.storage.object.S3ObjectStore;
import io.ingraft.storage.testing.S3ProxyServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Load files from an S3 root, through the project's S3 client, on a real S3 server (s3proxy). */
class S3LoadFilesTest {
  private static final String ROW = "{\"kind\":\"node\",\"type\":\"Person\",\"key\":\"ada\"}\n";

  private S3ProxyServer server;
  private S3ObjectStore bucket;
  private String prefix;

  @BeforeEach
  void setUp() {
    server = S3ProxyServer.shared();
    bucket = new S3ObjectStore(server.config(""));
    prefix = "loads-" + System.nanoTime();
  }

  @AfterEach
  void tearDown() {
    bucket.close();
  }

  private LoadFiles files(LoadLimits limits) {
    return new LoadFiles(
        new LoadSources(
            List.of(new LoadRoot.Bucket(server.bucket(), prefix + "/{graph}")),
            limits,
            Map.of(server.bucket(), bucket)));
  }

  private static GraphEvent load(String graph, String uri) {
    return new GraphEvent(
        graph, "e", null, null, new EventBody.Load(EventBody.LoadMode.MERGE, null, null, uri));
  }

  private String uri(String key) {
    return "s3://" + server.bucket() + "/" + key;
  }

  @Test
  void anObjectUnderTheGraphsPrefixIsReadAndNothingElse() {
    bucket.put(prefix + "/g1/people.jsonl", ROW.repeat(3).getBytes(StandardCharsets.UTF_8));
    bucket.put(prefix + "/g2/people.jsonl", ROW.getBytes(StandardCharsets.UTF_8));
    LoadFiles files = files(LoadLimits.DEFAULT);

    EventBody.Load body =
        (EventBody.Load) files.inline(load("g1", uri(prefix + "/g1/people.jsonl"))).body();
    assertThat(body.nodes().get("Person")).hasSize(3);

    for (String uri :
        List.of(
            uri(prefix + "/g2/people.jsonl"),
            uri(prefix + "/g1/../g2/people.jsonl"),
            uri(prefix + "/g1/missing.jsonl").replace(server.bucket(), "other-bucket"),
            uri(prefix + "/g1/people.jsonl") + "?versionId=1",
            "s3://user@" + server.bucket() + "/" + prefix + "/g1/people.jsonl")) {
      EventRejectedException e =
          catchThrowableOfType(EventRejectedException.class, () -> files.inline(load("g1", uri)));
      assertThat(e).as(uri).isNotNull();
      assertThat(e.code()).as(uri).isEqualTo(RejectionCode.LOAD_SOURCE_REFUSED);
    }
  }

  @Test
  void anObjectAboveTheByteLimitIsRefusedAfterAtMostTheLimit() {
    bucket.put(prefix + "/g1/big.jsonl", ROW.repeat(1000).getBytes(StandardCharsets.UTF_8));
    EventRejectedException e =
        catchThrowableOfType(
            EventRejectedException.class,
            () ->
                files(new LoadLimits(4096, 1_000_000, Duration.ofSeconds(10)))
                    .inline(load("g1", uri(prefix + "/g1/big.jsonl"))));
    assertThat(e.code()).isEqualTo(RejectionCode.LOAD_TOO_LARGE);
  }

  @Test
  void aMissingObjectIsRefusedLikeAMissingFile() {
    EventRejectedException e =
        catchThrowableOfType(
            EventRejectedException.class,
            () -> files(LoadLimits.DEFAULT).inline(load("g1", uri(prefix + "/g1/none.jsonl"))));
    assertThat(e.code()).isEqualTo(RejectionCode.LOAD_SOURCE_REFUSED);
    assertThat(e.getMessage()).doesNotContain("http", "s3proxy");
  }
}
