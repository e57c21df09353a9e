package io.ingraft.engine.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ingraft.engine.EventRejectedException;
import io.ingraft.engine.RejectionCode;
import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.write.LoadFiles;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.testing.ForwardingObjectStore;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File loads read only what the operator allowed, within limits, and say nothing of the host: real
 * files, links, a FIFO and a sparse file on the local file system.
 */
class LoadFilesTest {
  private static final String GOOD = "{\"kind\":\"node\",\"type\":\"Person\",\"key\":\"ada\"}\n";

  @TempDir Path tmp;
  private Path loads;
  private Path secret;

  @BeforeEach
  void setUp() throws Exception {
    loads = Files.createDirectories(tmp.resolve("loads"));
    Files.createDirectories(loads.resolve("g1"));
    Files.createDirectories(loads.resolve("g2"));
    secret = tmp.resolve("secret.txt");
    Files.writeString(secret, "AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI\n");
  }

  private LoadFiles files(LoadLimits limits, LoadRoot... roots) {
    return new LoadFiles(new LoadSources(List.of(roots), limits));
  }

  private LoadFiles files(LoadLimits limits, ObjectStore bucket, LoadRoot root) {
    return new LoadFiles(new LoadSources(List.of(root), limits, Map.of("loads", bucket)));
  }

  private LoadFiles perGraph() {
    return files(
        LoadLimits.DEFAULT, new LoadRoot.Directory(loads.resolve(LoadRoot.GRAPH).toString()));
  }

  private static GraphEvent load(String graph, String uri) {
    return new GraphEvent(
        graph, "e", null, null, new EventBody.Load(EventBody.LoadMode.MERGE, null, null, uri));
  }

  private static EventRejectedException refusal(LoadFiles files, String graph, String uri) {
    return catchThrowableOfType(EventRejectedException.class, () -> files.inline(load(graph, uri)));
  }

  @Test
  void anAllowedFileIsReadInline() throws Exception {
    Path file = loads.resolve("g1").resolve("people.jsonl");
    Files.writeString(file, GOOD);
    GraphEvent inline = perGraph().inline(load("g1", file.toString()));
    EventBody.Load body = (EventBody.Load) inline.body();
    assertThat(body.uri()).isNull();
    assertThat(body.nodes().get("Person")).hasSize(1);
    assertThat(perGraph().inline(load("g1", file.toUri().toString())).body())
        .isInstanceOf(EventBody.Load.class);
  }

  @Test
  void withoutRootsEveryFileLoadIsRefused() throws Exception {
    Path file = loads.resolve("g1").resolve("people.jsonl");
    Files.writeString(file, GOOD);
    LoadFiles off = new LoadFiles(LoadSources.DISABLED);
    assertThat(refusal(off, "g1", file.toString()).code())
        .isEqualTo(RejectionCode.LOAD_SOURCE_REFUSED);
  }

  @Test
  void hostileUrisAreRefusedWithoutContent() throws Exception {
    String inRoot = loads.resolve("g1").toString();
    List<String> hostile =
        List.of(
            "/etc/passwd",
            "file:///proc/self/environ",
            "/proc/self/cmdline",
            "../../../etc/passwd",
            inRoot + "/../../secret.txt",
            inRoot + "/./x.jsonl",
            "/dev/zero",
            "file://host/etc/passwd",
            "file://localhost" + inRoot + "/x.jsonl",
            "file://" + inRoot + "/x.jsonl?x=1",
            "file://" + inRoot + "/x.jsonl#frag",
            "file:etc/passwd",
            inRoot + "/x\u0000.jsonl",
            "file://" + inRoot + "/x%00.jsonl",
            "file://" + inRoot + "/%2e%2e/%2e%2e/secret.txt",
            "http://example.com/x.jsonl",
            "s3://bucket/x.jsonl",
            "file:///%zz",
            "",
            secret.toString(),
            loads.resolve("g2").resolve("export.jsonl").toString(),
            inRoot);
    for (String uri : hostile) {
      EventRejectedException e = refusal(perGraph(), "g1", uri);
      assertThat(e).as(uri).isNotNull();
      assertThat(e.code()).as(uri).isEqualTo(RejectionCode.LOAD_SOURCE_REFUSED);
      assertThat(e.getMessage()).as(uri).doesNotContain("root:", "AKIA", "PATH=");
    }
  }

  @Test
  void anotherTenantsFileIsRefusedEvenWhenItExists() throws Exception {
    Path theirs = loads.resolve("g2").resolve("export.jsonl");
    Files.writeString(theirs, GOOD);
    assertThat(refusal(perGraph(), "g1", theirs.toString()).code())
        .isEqualTo(RejectionCode.LOAD_SOURCE_REFUSED);
    assertThat(perGraph().inline(load("g2", theirs.toString())).body())
        .isInstanceOf(EventBody.Load.class);
  }

  @Test
  void aLinkOutOfTheRootAMissingFileAndAFifoGetOneMessage() throws Exception {
    Path dir = loads.resolve("g1");
    Files.createSymbolicLink(dir.resolve("link.jsonl"), secret);
    Files.createSymbolicLink(dir.resolve("passwd.jsonl"), Path.of("/etc/passwd"));
    Files.createSymbolicLink(dir.resolve("dangling.jsonl"), tmp.resolve("nothing-here"));
    Path fifo = dir.resolve("fifo.jsonl");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertThat(mkfifo.waitFor()).isZero();
    Files.createDirectories(dir.resolve("sub.jsonl"));
    long start = System.nanoTime();
    List<String> messages = new java.util.ArrayList<>();
    for (String name :
        List.of(
            "link.jsonl",
            "passwd.jsonl",
            "dangling.jsonl",
            "missing.jsonl",
            "fifo.jsonl",
            "sub.jsonl")) {
      EventRejectedException e = refusal(perGraph(), "g1", dir.resolve(name).toString());
      assertThat(e.code()).as(name).isEqualTo(RejectionCode.LOAD_SOURCE_REFUSED);
      messages.add(e.getMessage().replace(name, "NAME"));
    }
    // No existence oracle: the same words whatever is (or is not) behind the name.
    assertThat(messages).containsOnly(messages.get(0));
    // A FIFO is refused before it is opened: nobody writes it, and nothing waited.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void aSparseFileAboveTheByteLimitIsRefusedUnread() throws Exception {
    Path sparse = loads.resolve("g1").resolve("sparse.jsonl");
    try (RandomAccessFile file = new RandomAccessFile(sparse.toFile(), "rw")) {
      file.setLength(2L << 30);
    }
    EventRejectedException e = refusal(perGraph(), "g1", sparse.toString());
    assertThat(e.code()).isEqualTo(RejectionCode.LOAD_TOO_LARGE);
  }

  @Test
  void rowAndByteLimitsHoldWhileReading() throws Exception {
    Path file = loads.resolve("g1").resolve("many.jsonl");
    Files.writeString(file, GOOD.repeat(11));
    LoadRoot root = new LoadRoot.Directory(loads.resolve(LoadRoot.GRAPH).toString());
    assertThat(
            refusal(
                    files(new LoadLimits(1 << 20, 10, Duration.ofSeconds(5)), root),
                    "g1",
                    file.toString())
                .code())
        .isEqualTo(RejectionCode.LOAD_TOO_LARGE);
    assertThat(
            refusal(
                    files(new LoadLimits(100, 1000, Duration.ofSeconds(5)), root),
                    "g1",
                    file.toString())
                .code())
        .isEqualTo(RejectionCode.LOAD_TOO_LARGE);
  }

  @Test
  void badContentIsABadLoadThatQuotesNothing() throws Exception {
    Path dir = loads.resolve("g1");
    Files.writeString(dir.resolve("passwd.jsonl"), "root:x:0:0:root:/root:/bin/bash\n");
    Files.write(dir.resolve("latin1.jsonl"), new byte[] {'{', '"', (byte) 0xff, '"', '}', '\n'});
    Files.writeString(dir.resolve("deep.jsonl"), "[".repeat(5000) + "]".repeat(5000) + "\n");
    Files.writeString(
        dir.resolve("kind.jsonl"), "{\"kind\":\"AKIAIOSFODNN7EXAMPLE\",\"type\":\"T\"}\n");
    for (String name : List.of("passwd.jsonl", "latin1.jsonl", "deep.jsonl", "kind.jsonl")) {
      EventRejectedException e = refusal(perGraph(), "g1", dir.resolve(name).toString());
      assertThat(e.code()).as(name).isEqualTo(RejectionCode.BAD_LOAD);
      assertThat(e.getMessage()).as(name).doesNotContain("root", "AKIA", "[[");
    }
  }

  @Test
  void aReadThatBlocksTimesOutAndFreesTheCaller() throws Exception {
    // An object store whose object is a FIFO nobody writes: the open blocks in the kernel, the
    // way a stalled S3 download or a FIFO swapped in after the checks would.
    Path fifo = tmp.resolve("stall.fifo");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    ObjectStore bucket =
        new ForwardingObjectStore(new LocalObjectStore(tmp.resolve("bucket"))) {
          @Override
          public InputStream openRead(String key) {
            try {
              return new FileInputStream(fifo.toFile());
            } catch (java.io.IOException e) {
              throw new IllegalStateException(e);
            }
          }
        };
    LoadFiles stalled =
        files(
            new LoadLimits(1 << 20, 1000, Duration.ofMillis(500)),
            bucket,
            new LoadRoot.Bucket("loads", "{graph}"));
    long start = System.nanoTime();
    EventRejectedException e = refusal(stalled, "g1", "s3://loads/g1/data.jsonl");
    assertThat(e.code()).isEqualTo(RejectionCode.LOAD_TIMEOUT);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(refusal(stalled, "g1", "s3://loads/g2/data.jsonl").code())
        .isEqualTo(RejectionCode.LOAD_SOURCE_REFUSED);
    // Release the reader thread stuck in open().
    try (FileOutputStream writer = new FileOutputStream(fifo.toFile())) {
      writer.write(GOOD.getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void configuredRootsAreCheckedAtStartUp() {
    for (String bad :
        List.of(
            "relative/dir",
            "/",
            "/proc/self",
            "/dev",
            "/data/../etc",
            "/data/x{graph}",
            "file://host/data",
            "s3://bucket/a/../b",
            "s3://bucket?x=1")) {
      assertThat(catchThrowableOfType(IllegalArgumentException.class, () -> LoadRoot.parse(bad)))
          .as(bad)
          .isNotNull();
    }
    assertThat(LoadRoot.parse("/data/loads/{graph}/"))
        .isEqualTo(new LoadRoot.Directory("/data/loads/{graph}"));
    assertThat(LoadRoot.parse("file:///data/loads"))
        .isEqualTo(new LoadRoot.Directory("/data/loads"));
  }
}
