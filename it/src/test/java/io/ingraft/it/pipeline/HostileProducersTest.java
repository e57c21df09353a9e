package io.ingraft.it.pipeline;

import static io.ingraft.it.pipeline.Events.deleteEdges;
import static io.ingraft.it.pipeline.Events.deleteNode;
import static io.ingraft.it.pipeline.Events.edge;
import static io.ingraft.it.pipeline.Events.list;
import static io.ingraft.it.pipeline.Events.load;
import static io.ingraft.it.pipeline.Events.loadFile;
import static io.ingraft.it.pipeline.Events.mutation;
import static io.ingraft.it.pipeline.Events.props;
import static io.ingraft.it.pipeline.Events.rows;
import static io.ingraft.it.pipeline.Events.schema;
import static io.ingraft.it.pipeline.Events.update;
import static io.ingraft.it.pipeline.Events.upsert;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.dlq.DeadLetterHeaders;
import io.ingraft.app.dlq.RecordLimits;
import io.ingraft.events.EventFormat;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.events.avro.Op;
import io.ingraft.it.kafka.KafkaTestBroker;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hostile producers against one running pipeline on a real broker (issue 11): file loads aimed at
 * the host's files, devices, a FIFO, a 2 GB sparse file and another tenant's export; malformed load
 * URIs; a 10 MB record on a topic that allows it; nested JSON, invalid UTF-8 (JSON and Avro), huge
 * arrays, a 100,000-op mutation, a 10,000-type schema; and keys with quotes, backslashes and NUL in
 * every operation the engine finds rows for with a filter. Each case is followed by a good event in
 * the same graph and in another graph, and every good event must be applied within {@link
 * PipelineRig#TIMEOUT}. At the end the pipeline still runs, each hostile record has exactly one
 * dead letter with its documented code and no file content, both graphs equal the model of their
 * good events, and the heap after a full GC stays below {@link #HEAP_BOUND_BYTES}.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class HostileProducersTest {
  private static final Logger LOG = LoggerFactory.getLogger(HostileProducersTest.class);
  static final String VICTIM = "victim";
  static final String BYSTANDER = "bystander";
  static final String TENANT = "tenant2";

  /** Heap in use after the run and a full GC (docs/operations.md, "Hostile producers"). */
  static final long HEAP_BOUND_BYTES = 512L << 20;

  static final String SCHEMA =
      """
      node Item {
        k: String @key
        u: String? @unique
        n: I64?
        s: String?
        tags: [I64]?
        v: Vector(3)?
      }
      edge Rel: Item -> Item
      """;

  /** What no dead letter may contain: bytes of the host's files and of the load files. */
  static final List<String> SECRETS =
      List.of("root:x:0:0", "AKIAHOSTILESECRET", "PATH=", "HOME=", "tenant2-secret");

  static final List<String> KEYS =
      List.of(
          "it's",
          "''",
          "back\\slash",
          "\\",
          "\u0000start",
          "mid\u0000dle",
          "end\u0000",
          "\\'\u0000\"",
          "x' OR '1'='1",
          "emoji \uD83D\uDE00");

  @TempDir static Path dir;
  static PipelineRig rig;
  static Path loads;

  /** A hostile record and the dead letter it must get. */
  record Hostile(Scenario.Sent sent, String stage, String code) {}

  @BeforeAll
  static void startPipeline(KafkaTestBroker kafka) throws Exception {
    loads = Files.createDirectories(dir.resolve("loads"));
    Map<String, String> settings = new HashMap<>();
    settings.put("ingraft.load.roots", loads.resolve("{graph}").toString());
    settings.put("ingraft.load.max-bytes", Integer.toString(1 << 20));
    settings.put("ingraft.load.max-rows", "1000");
    settings.put("ingraft.load.timeout-ms", "2000");
    rig = new PipelineRig(kafka, dir, settings);
    rig.start("hostile-writer");
    // The operator allows 16 MB records on the producer topic; the pipeline's own topics keep
    // the size TopicSetup gives them.
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      admin
          .incrementalAlterConfigs(
              Map.of(
                  new ConfigResource(ConfigResource.Type.TOPIC, rig.topics.mutations()),
                  List.of(
                      new AlterConfigOp(
                          new ConfigEntry(
                              TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(16 << 20)),
                          AlterConfigOp.OpType.SET))))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stopPipeline() {
    if (rig != null) {
      rig.close();
    }
  }

  @Test
  void noProducerReadsTheHostsFilesOrStopsThePipeline() throws Exception {
    long t0 = System.nanoTime();
    Scenario scenario = new Scenario(rig);
    List<Hostile> hostile = new ArrayList<>();
    String mutations = rig.topics.mutations();
    String loadsTopic = rig.topics.loads();
    int[] good = {0};
    Runnable goodLoads =
        () -> {
          int i = good[0]++;
          scenario.good(
              loadsTopic,
              load(
                  VICTIM,
                  "ok" + i,
                  LoadMode.MERGE,
                  rows("Item", list(props("k", "after-" + i, "n", (long) i))),
                  Map.of()));
          scenario.good(
              loadsTopic,
              load(
                  BYSTANDER,
                  "ok" + i,
                  LoadMode.MERGE,
                  rows("Item", list(props("k", "b-" + i))),
                  Map.of()));
        };
    Runnable goodMutations =
        () -> {
          int i = good[0]++;
          scenario.good(mutations, mutation(VICTIM, "ok" + i, upsert("Item", "k", "after-" + i)));
          scenario.good(mutations, mutation(BYSTANDER, "ok" + i, upsert("Item", "k", "b-" + i)));
        };

    // Phase 1: the graphs.
    for (String graph : List.of(VICTIM, BYSTANDER, TENANT)) {
      scenario.good(mutations, schema(graph, "schema", SCHEMA));
    }
    scenario.awaitPhase();

    // Phase 2: file loads (loads topic), each followed by good events in both graphs.
    Path own = Files.createDirectories(loads.resolve(VICTIM));
    Path theirs = Files.createDirectories(loads.resolve(TENANT));
    Files.writeString(
        theirs.resolve("export.jsonl"),
        "{\"kind\":\"node\",\"type\":\"Item\",\"key\":\"tenant2-secret\"}\n");
    Path fifo = own.resolve("fifo.jsonl");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    Path sparse = own.resolve("sparse.jsonl");
    try (RandomAccessFile file = new RandomAccessFile(sparse.toFile(), "rw")) {
      file.setLength(2L << 30);
    }
    Files.createSymbolicLink(own.resolve("passwd.jsonl"), Path.of("/etc/passwd"));
    Files.writeString(own.resolve("not-json.jsonl"), "root:x:0:0:root:/root:/bin/bash\n");
    Files.writeString(
        own.resolve("secret.jsonl"), "{\"kind\":\"AKIAHOSTILESECRET\",\"type\":\"Item\"}\n");
    Files.writeString(
        own.resolve("many.jsonl"),
        "{\"kind\":\"node\",\"type\":\"Item\",\"key\":\"m\"}\n".repeat(1001));
    Map<String, String> fileLoads = new java.util.LinkedHashMap<>();
    fileLoads.put("/etc/passwd", "LOAD_SOURCE_REFUSED");
    fileLoads.put("file:///proc/self/environ", "LOAD_SOURCE_REFUSED");
    fileLoads.put("/proc/self/cmdline", "LOAD_SOURCE_REFUSED");
    fileLoads.put("../../../etc/passwd", "LOAD_SOURCE_REFUSED");
    fileLoads.put(own + "/../../../../../etc/passwd", "LOAD_SOURCE_REFUSED");
    fileLoads.put("/dev/zero", "LOAD_SOURCE_REFUSED");
    fileLoads.put(fifo.toString(), "LOAD_SOURCE_REFUSED");
    fileLoads.put(sparse.toString(), "LOAD_TOO_LARGE");
    fileLoads.put(theirs.resolve("export.jsonl").toString(), "LOAD_SOURCE_REFUSED");
    fileLoads.put("file://host/etc/passwd", "LOAD_SOURCE_REFUSED");
    fileLoads.put("file://" + own + "/many.jsonl?x=1", "LOAD_SOURCE_REFUSED");
    fileLoads.put("file:etc/passwd", "LOAD_SOURCE_REFUSED");
    fileLoads.put(own + "/many\u0000.jsonl", "LOAD_SOURCE_REFUSED");
    fileLoads.put(own.resolve("passwd.jsonl").toString(), "LOAD_SOURCE_REFUSED");
    fileLoads.put(own.resolve("not-json.jsonl").toString(), "BAD_LOAD");
    fileLoads.put(own.resolve("secret.jsonl").toString(), "BAD_LOAD");
    fileLoads.put(own.resolve("many.jsonl").toString(), "LOAD_TOO_LARGE");
    int n = 0;
    for (Map.Entry<String, String> load : fileLoads.entrySet()) {
      hostile.add(
          new Hostile(
              scenario.rejectedByWriter(
                  loadsTopic,
                  loadFile(VICTIM, "file" + n, LoadMode.MERGE, load.getKey()),
                  n++ % 2 == 0 ? EventFormat.JSON : EventFormat.AVRO),
              "writer",
              load.getValue()));
      goodLoads.run();
    }
    long phase = System.nanoTime();
    scenario.awaitPhase();
    LOG.info(
        "{} hostile file loads and their good events through in {} ms",
        fileLoads.size(),
        (System.nanoTime() - phase) / 1_000_000);

    // Phase 3: records (mutations topic).
    scenario.resolve();
    String huge = "x".repeat(10 << 20);
    byte[] big =
        rig.encode(
            mutation(VICTIM, "big", upsert("Item", "k", "big", "s", huge)), EventFormat.JSON);
    Scenario.Sent bigSent = sendLarge(mutations, VICTIM, big);
    hostile.add(new Hostile(bigSent, "topology", RecordLimits.RECORD_TOO_LARGE));
    goodMutations.run();
    // Nested JSON far beyond the codec's limits; a list where a number belongs.
    String template =
        new String(
            rig.encode(
                mutation(VICTIM, "nested", upsert("Item", "k", "nested", "s", "PLACEHOLDER")),
                EventFormat.JSON),
            UTF_8);
    hostile.add(
        new Hostile(
            scenario.raw(
                mutations,
                VICTIM,
                template
                    .replace("\"PLACEHOLDER\"", "[".repeat(100_000) + "]".repeat(100_000))
                    .getBytes(UTF_8)),
            "topology",
            "BAD_JSON"));
    goodMutations.run();
    hostile.add(
        new Hostile(
            scenario.rejectedByWriter(
                mutations,
                mutation(VICTIM, "nested-value", upsert("Item", "k", "nv", "n", list("a", "b"))),
                EventFormat.AVRO),
            "writer",
            "BAD_VALUE"));
    goodMutations.run();
    // Invalid UTF-8 in a JSON event.
    byte[] latin1 =
        template
            .replace("PLACEHOLDER", "caf\u00e9")
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    hostile.add(new Hostile(scenario.raw(mutations, VICTIM, latin1), "topology", "BAD_JSON"));
    goodMutations.run();
    // Invalid UTF-8 in an Avro string: "café" with its é (C3 A9) made E9 20, same length.
    byte[] avro =
        rig.encode(mutation(VICTIM, "utf8", upsert("Item", "k", "caf\u00e9")), EventFormat.AVRO);
    byte[] cafe = "caf\u00e9".getBytes(UTF_8);
    int at = indexOf(avro, cafe);
    assertThat(at).isNotNegative();
    avro[at + 3] = (byte) 0xE9;
    avro[at + 4] = (byte) 0x20;
    hostile.add(new Hostile(scenario.raw(mutations, VICTIM, avro), "topology", "BAD_AVRO"));
    goodMutations.run();
    // Huge arrays: 300,000 elements where 3 fit, and a 300,000-element list that is fine.
    List<Object> many = new ArrayList<>();
    for (long i = 0; i < 300_000; i++) {
      many.add(i);
    }
    hostile.add(
        new Hostile(
            scenario.rejectedByWriter(
                mutations,
                mutation(VICTIM, "vector", upsert("Item", "k", "vec", "v", many)),
                EventFormat.AVRO),
            "writer",
            "BAD_VALUE"));
    goodMutations.run();
    scenario.good(
        mutations,
        mutation(VICTIM, "list", upsert("Item", "k", "list", "tags", many)),
        EventFormat.AVRO);
    goodMutations.run();
    // 100,000 ops in one event: applied whole.
    Op[] ops = new Op[100_000];
    for (int i = 0; i < ops.length; i++) {
      ops[i] = upsert("Item", "k", "op-" + i);
    }
    scenario.good(mutations, mutation(VICTIM, "ops", ops), EventFormat.AVRO);
    goodMutations.run();
    // 10,000 types: refused when the schema comes in.
    StringBuilder types = new StringBuilder(SCHEMA);
    for (int i = 0; i < 10_000; i++) {
      types.append("node T").append(i).append(" { k: String @key }\n");
    }
    hostile.add(
        new Hostile(
            scenario.rejectedByWriter(
                mutations, schema(VICTIM, "types", types.toString()), EventFormat.AVRO),
            "writer",
            "BAD_SCHEMA"));
    goodMutations.run();
    // Keys with quotes, backslashes and NUL in every operation that filters by key or value.
    int k = 0;
    for (String key : KEYS) {
      String id = "key" + k++;
      scenario.good(
          mutations,
          mutation(
              VICTIM,
              id + "a",
              upsert("Item", "k", key, "u", "u-" + key),
              upsert("Item", "k", "to-" + key)));
      scenario.good(
          mutations,
          mutation(
              VICTIM,
              id + "b",
              upsert("Item", "k", key, "u", "u-" + key, "s", "again"),
              update("Item", key, "n", 7L),
              edge("Rel", "e-" + key, key, "to-" + key),
              edge("Rel", null, "to-" + key, key)));
      hostile.add(
          new Hostile(
              scenario.rejectedByWriter(
                  mutations,
                  mutation(VICTIM, id + "c", upsert("Item", "k", "dup-" + key, "u", "u-" + key)),
                  EventFormat.JSON),
              "writer",
              "UNIQUENESS"));
      scenario.good(
          mutations,
          mutation(
              VICTIM,
              id + "d",
              deleteEdges("Rel", key, "to-" + key),
              deleteNode("Item", "to-" + key)));
      goodMutations.run();
    }
    phase = System.nanoTime();
    scenario.awaitPhase();
    LOG.info(
        "hostile records and their good events through in {} ms",
        (System.nanoTime() - phase) / 1_000_000);
    int expected = hostile.size();
    KafkaTestBroker.await(
        PipelineRig.TIMEOUT,
        expected + " dead letters",
        () -> rig.readAll(rig.topics.dlq()).size() >= expected);
    rig.awaitCommittedToEnd();
    LOG.info(
        "{} good events and {} hostile records in {} ms",
        scenario.toApply(),
        hostile.size(),
        (System.nanoTime() - t0) / 1_000_000);

    // The process stays up, and every good event, before and after each case, is applied.
    assertThat(rig.pipeline().isRunning()).isTrue();
    for (String graph : List.of(VICTIM, BYSTANDER)) {
      assertThat(rig.export(graph)).as(graph).isEqualTo(scenario.graph(graph).export());
    }
    assertThat(rig.export(VICTIM)).doesNotContain("tenant2-secret", "root");

    // One dead letter per hostile record, with its code, and no file content anywhere in it.
    List<ConsumerRecord<byte[], byte[]>> deadLetters = rig.readAll(rig.topics.dlq());
    List<ConsumerRecord<byte[], byte[]>> unmatched = new ArrayList<>(deadLetters);
    for (Hostile h : hostile) {
      Scenario.Sent sent = h.sent();
      List<ConsumerRecord<byte[], byte[]>> matching =
          deadLetters.stream()
              .filter(
                  dl ->
                      h.stage().equals("topology")
                          ? sent.topic.equals(header(dl, DeadLetterHeaders.SOURCE_TOPIC))
                              && Integer.toString(sent.partition)
                                  .equals(header(dl, DeadLetterHeaders.SOURCE_PARTITION))
                              && Long.toString(sent.offset)
                                  .equals(header(dl, DeadLetterHeaders.SOURCE_OFFSET))
                          : sent.eventId().equals(header(dl, DeadLetterHeaders.EVENT_ID))
                              && sent.event.getGraph().equals(header(dl, DeadLetterHeaders.GRAPH)))
              .toList();
      assertThat(matching).as("dead letters of " + sent + " (" + h.code() + ")").hasSize(1);
      ConsumerRecord<byte[], byte[]> dl = matching.get(0);
      unmatched.remove(dl);
      String message = header(dl, DeadLetterHeaders.MESSAGE);
      assertThat(header(dl, DeadLetterHeaders.STAGE))
          .as(sent + ": " + message)
          .isEqualTo(h.stage());
      assertThat(header(dl, DeadLetterHeaders.CODE)).as(sent + ": " + message).isEqualTo(h.code());
      String text = message + new String(dl.value() == null ? new byte[0] : dl.value(), UTF_8);
      assertThat(text).as(sent.toString()).doesNotContain(SECRETS);
    }
    assertThat(unmatched).isEmpty();
    ConsumerRecord<byte[], byte[]> bigLetter =
        deadLetters.stream()
            .filter(dl -> RecordLimits.RECORD_TOO_LARGE.equals(header(dl, DeadLetterHeaders.CODE)))
            .findFirst()
            .orElseThrow();
    assertThat(bigLetter.value()).isEmpty();
    for (String graph : List.of(VICTIM, BYSTANDER)) {
      PipelineRig.Verified verify = rig.verify(graph);
      assertThat(verify.ok()).as(graph + ": " + verify.report()).isTrue();
    }

    // Memory: what is left after everything, measured after a full GC.
    long used = heapAfterGc();
    LOG.info(
        "heap in use after the run and a full GC: {} MiB (bound {} MiB)",
        used >> 20,
        HEAP_BOUND_BYTES >> 20);
    assertThat(used).isLessThan(HEAP_BOUND_BYTES);
  }

  /** Sends a record larger than the rig's producer may send, after everything sent so far. */
  private static Scenario.Sent sendLarge(String topic, String key, byte[] value) throws Exception {
    Map<String, Object> props = rig.kafka.clientConfig();
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 << 20);
    props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L << 20);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      RecordMetadata m =
          producer
              .send(new ProducerRecord<>(topic, key.getBytes(UTF_8), value))
              .get(60, TimeUnit.SECONDS);
      Scenario.Sent sent =
          new Scenario.Sent(
              topic,
              null,
              null,
              key.getBytes(UTF_8),
              value,
              java.util.concurrent.CompletableFuture.completedFuture(m));
      sent.partition = m.partition();
      sent.offset = m.offset();
      return sent;
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }

  private static long heapAfterGc() {
    var memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      memory.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String key) {
    var h = record.headers().lastHeader(key);
    return h == null ? null : new String(h.value(), UTF_8);
  }
}
