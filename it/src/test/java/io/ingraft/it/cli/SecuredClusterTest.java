package io.ingraft.it.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.app.kafka.LocalKafkaBroker;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secured cluster, as a new user meets one: a real broker (child JVM) with a SASL_PLAINTEXT
 * listener (PLAIN) and an SSL listener whose keystore {@code keytool} generates here. Every command
 * that talks to Kafka ({@code produce}, {@code run}, {@code graph verify}) works through them with
 * {@code --config}, the secrets coming from the environment and a file through Kafka's config
 * providers; a wrong password or an untrusted certificate fails fast with the broker's address and
 * the real cause; and nothing any command writes (stdout, stderr, text and JSON logs, {@code graph
 * status}) contains a secret it was given. In JSON mode every line of stderr is JSON, the fatal one
 * too, and the writer's lines carry the graph and partition as fields.
 */
class SecuredClusterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SALT = UUID.randomUUID().toString().substring(0, 8);
  private static final String SASL_PASSWORD = "sasl-pw-" + SALT;
  private static final String WRONG_PASSWORD = "wrong-pw-" + SALT;
  private static final String S3_SECRET = "s3-secret-" + SALT;
  private static final String REGISTRY_PASSWORD = "registry-pw-" + SALT;
  private static final String STORE_PASSWORD = "store-pw-" + SALT;
  private static final List<String> SECRETS =
      List.of(SASL_PASSWORD, WRONG_PASSWORD, S3_SECRET, REGISTRY_PASSWORD, STORE_PASSWORD);

  @TempDir static Path dir;

  private static LocalKafkaBroker broker;
  private static Path truststore;
  private static Path otherTruststore;

  /** Everything every command printed, for the secret grep. */
  private final List<CliProcess.Result> outputs = new ArrayList<>();

  @BeforeAll
  static void startBroker() throws Exception {
    Path keystore = dir.resolve("broker.p12");
    truststore = dir.resolve("trust.p12");
    otherTruststore = dir.resolve("other-trust.p12");
    selfSigned(keystore, truststore, "broker");
    selfSigned(dir.resolve("other.p12"), otherTruststore, "other");
    broker =
        LocalKafkaBroker.builder(dir.resolve("broker"))
            .listener("SASL", "SASL_PLAINTEXT")
            .listener("SSL", "SSL")
            .property("listener.name.sasl.sasl.enabled.mechanisms", "PLAIN")
            .property(
                "listener.name.sasl.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required"
                    + " user_alice=\""
                    + SASL_PASSWORD
                    + "\";")
            .property("listener.name.ssl.ssl.keystore.location", keystore.toString())
            .property("listener.name.ssl.ssl.keystore.type", "PKCS12")
            .property("listener.name.ssl.ssl.keystore.password", STORE_PASSWORD)
            .property("listener.name.ssl.ssl.key.password", STORE_PASSWORD)
            .start();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void everyKafkaCommandWorksThroughSaslAndSslWithoutShowingASecret() throws Exception {
    Path root = dir.resolve("graphs");
    Path config = dir.resolve("sasl.properties");
    Files.writeString(
        config,
        common(root)
            + "kafka.bootstrap.servers="
            + broker.listenerAddress("SASL")
            + "\nkafka.security.protocol=SASL_PLAINTEXT\nkafka.sasl.mechanism=PLAIN\n");
    Map<String, String> env = env(SASL_PASSWORD);
    Path schema = dir.resolve("people.pg");
    Files.writeString(schema, "node Person {\n  id: String @key\n  name: String\n}\n");
    Path events = dir.resolve("events.jsonl");
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      lines.append(
          "{\"graph\":\"people\",\"eventId\":\"e"
              + i
              + "\",\"mutation\":{\"ops\":[{\"op\":\"upsertNode\",\"type\":\"Person\","
              + "\"props\":{\"id\":\"p"
              + i
              + "\",\"name\":\"n"
              + i
              + "\"}}]}}\n");
    }
    Files.writeString(events, lines);
    String cfg = config.toString();

    ok(
        run(
            false,
            env,
            "graph",
            "create",
            "-g",
            "people",
            "--schema",
            schema.toString(),
            "--config",
            cfg));
    CliProcess.Result produced =
        ok(run(false, env, "produce", "-f", events.toString(), "--config", cfg));
    assertThat(produced.out()).contains("produced 3 events to ingraft.mutations");

    // The pipeline through the SASL listener, logging JSON; stopped as an orchestrator does.
    try (CliProcess pipeline = CliProcess.start(true, env, "run", "--config", cfg)) {
      awaitEvents(root, 3, pipeline);
      pipeline.terminate();
      CliProcess.Result stopped = pipeline.await(90);
      outputs.add(stopped);
      assertThat(stopped.exitCode()).as(stopped.err()).isZero();
      List<JsonNode> logLines = jsonLines(stopped.err());
      assertThat(logLines)
          .as("the writer's lines carry the graph and partition")
          .anySatisfy(
              line -> {
                assertThat(line.path("message").asText()).contains("taken over");
                assertThat(line.path("mdc").path("graph").asText()).isEqualTo("people");
                assertThat(line.path("mdc").path("partition").asText())
                    .isEqualTo("ingraft.graph-log-0");
              });
    }

    // graph verify checks the canonical log through the same listener (kafka.* from --config).
    CliProcess.Result verified =
        ok(run(false, env, "graph", "verify", "-g", "people", "--config", cfg, "--json"));
    assertThat(verified.out()).contains("\"ok\":true");
    // graph rebuild reads the canonical log through the same listener, into a fresh root.
    CliProcess.Result rebuilt =
        ok(
            run(
                false,
                env,
                "graph",
                "rebuild",
                "-g",
                "people",
                "--config",
                cfg,
                "--storage-root",
                dir.resolve("rebuilt").toString(),
                "--from-storage-root",
                root.toString(),
                "--compare-with",
                root.toString(),
                "--json"));
    assertThat(rebuilt.out()).contains("\"identical\":true");
    ok(run(true, env, "graph", "status", "-g", "people", "--config", cfg));
    ok(run(false, env, "graph", "status", "-g", "people", "--config", cfg, "--json"));
    CliProcess.Result deprecated =
        ok(
            run(
                false,
                env,
                "graph",
                "status",
                "-g",
                "people",
                "--config",
                cfg,
                "--s3-secret-key",
                S3_SECRET));
    assertThat(deprecated.err()).contains("--s3-secret-key is deprecated");

    // The SSL listener: the truststore's password comes from a file through FileConfigProvider.
    Path secrets = dir.resolve("secrets.properties");
    Files.writeString(secrets, "truststore=" + STORE_PASSWORD + "\n");
    Path ssl = dir.resolve("ssl.properties");
    Files.writeString(ssl, ssl(root, truststore, secrets));
    ok(run(false, env, "produce", "-f", events.toString(), "--config", ssl.toString()));
    CliProcess.Result sslVerified =
        ok(run(true, env, "graph", "verify", "-g", "people", "--config", ssl.toString(), "--json"));
    assertThat(sslVerified.out()).contains("\"ok\":true");

    assertNoSecretIn(outputs);
  }

  @Test
  void aWrongPasswordFailsFastNamingTheBrokerAndTheCause() throws Exception {
    Path config = dir.resolve("wrong.properties");
    Files.writeString(
        config,
        common(dir.resolve("graphs-wrong"))
            + "kafka.bootstrap.servers="
            + broker.listenerAddress("SASL")
            + "\nkafka.security.protocol=SASL_PLAINTEXT\nkafka.sasl.mechanism=PLAIN\n");
    Path events = dir.resolve("one.jsonl");
    Files.writeString(
        events,
        "{\"graph\":\"g\",\"eventId\":\"e\",\"mutation\":{\"ops\":[{\"op\":\"upsertNode\","
            + "\"type\":\"N\",\"props\":{\"id\":\"n\"}}]}}\n");
    for (boolean json : List.of(false, true)) {
      long t0 = System.nanoTime();
      CliProcess.Result failed =
          run(
              json,
              env(WRONG_PASSWORD),
              "produce",
              "-f",
              events.toString(),
              "--config",
              config.toString());
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(failed.exitCode()).as(failed.err()).isEqualTo(1);
      assertThat(failed.err())
          .contains(broker.listenerAddress("SASL"))
          .contains("authentication failed");
      // Far inside the clients' own minute-long waits (JVM start included).
      assertThat(took).isLessThan(Duration.ofSeconds(60));
      if (json) {
        List<JsonNode> lines = jsonLines(failed.err());
        JsonNode fatal = lines.get(lines.size() - 1);
        assertThat(fatal.path("level").asText()).isEqualTo("ERROR");
        assertThat(fatal.path("message").asText())
            .contains(broker.listenerAddress("SASL"))
            .contains("authentication failed");
      } else {
        assertThat(failed.err()).contains("ingraft: cannot use Kafka broker");
      }
    }

    // An untrusted certificate: the TLS handshake is named, not "failed to create a client".
    Path secrets = dir.resolve("other-secrets.properties");
    Files.writeString(secrets, "truststore=" + STORE_PASSWORD + "\n");
    Path untrusted = dir.resolve("untrusted.properties");
    Files.writeString(untrusted, ssl(dir.resolve("graphs-wrong"), otherTruststore, secrets));
    CliProcess.Result tls =
        run(
            false,
            env(SASL_PASSWORD),
            "produce",
            "-f",
            events.toString(),
            "--config",
            untrusted.toString());
    assertThat(tls.exitCode()).as(tls.err()).isEqualTo(1);
    assertThat(tls.err()).contains(broker.listenerAddress("SSL")).contains("TLS handshake failed");

    // A misspelt key is refused with the right one named (exit 4), before any connection.
    Path typo = dir.resolve("typo.properties");
    Files.writeString(typo, "ingraft.writer.thread=7\n");
    CliProcess.Result refused =
        run(false, Map.of(), "produce", "-f", events.toString(), "--config", typo.toString());
    assertThat(refused.exitCode()).isEqualTo(4);
    assertThat(refused.err()).contains("did you mean ingraft.writer.threads?");
    assertNoSecretIn(outputs);
  }

  /** Storage, topics and the registry's credentials, shared by the configurations. */
  private static String common(Path root) {
    return "config.providers=env,file\n"
        + "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider\n"
        + "config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider\n"
        + "storage.root="
        + root
        + "\nstorage.s3.access-key=AKIATEST\n"
        + "ingraft.topic.partitions=1\n"
        + "ingraft.seal.linger-ms=100\n"
        + "ingraft.http.port=-1\n"
        + "ingraft.state-dir="
        + dir.resolve("state")
        + "\ningraft.connect-timeout-ms=15000\n"
        + "ingraft.schema-registry.url=http://127.0.0.1:9/\n"
        + "ingraft.schema-registry.basic.username=reader\n"
        + "ingraft.schema-registry.basic.password=${env:TEST_REGISTRY_PASSWORD}\n";
  }

  private static String ssl(Path root, Path trust, Path secrets) {
    return common(root)
        + "kafka.bootstrap.servers="
        + broker.listenerAddress("SSL")
        + "\nkafka.security.protocol=SSL\n"
        + "kafka.ssl.truststore.location="
        + trust
        + "\nkafka.ssl.truststore.type=PKCS12\n"
        + "kafka.ssl.truststore.password=${file:"
        + secrets
        + ":truststore}\n";
  }

  /** The secrets as an operator passes them: environment variables, never arguments. */
  private static Map<String, String> env(String saslPassword) {
    Map<String, String> env = new HashMap<>();
    env.put(
        "INGRAFT_KAFKA_SASL_JAAS_CONFIG",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\""
            + " password=\""
            + saslPassword
            + "\";");
    env.put("INGRAFT_STORAGE_S3_SECRET_KEY", S3_SECRET);
    env.put("TEST_REGISTRY_PASSWORD", REGISTRY_PASSWORD);
    return env;
  }

  private CliProcess.Result run(boolean json, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    CliProcess.Result result = CliProcess.run(json, env, args);
    outputs.add(result);
    if (json) {
      // Every line the process writes to stderr in JSON mode is JSON.
      jsonLines(result.err());
    }
    return result;
  }

  private static CliProcess.Result ok(CliProcess.Result result) {
    assertThat(result.exitCode())
        .as("stdout:\n%s\nstderr:\n%s", result.out(), result.err())
        .isZero();
    return result;
  }

  private static List<JsonNode> jsonLines(String text) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      try {
        lines.add(JSON.readTree(line));
      } catch (IOException e) {
        throw new AssertionError("not a JSON line: " + line, e);
      }
    }
    return lines;
  }

  private static void assertNoSecretIn(List<CliProcess.Result> results) {
    for (CliProcess.Result result : results) {
      for (String secret : SECRETS) {
        assertThat(result.all()).as("output must not hold a secret").doesNotContain(secret);
      }
    }
  }

  /** Polls the manifest log until the graph has applied {@code events} events. */
  private static void awaitEvents(Path root, long events, CliProcess pipeline) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    try (ObjectStore store = new LocalObjectStore(root)) {
      ManifestLog log = new ManifestLog(store, GraphId.of("people"));
      while (true) {
        long applied = 0;
        for (long v : log.versions()) {
          applied += log.read(v).commit().eventCount();
        }
        if (applied >= events) {
          return;
        }
        assertThat(pipeline.isAlive())
            .as("the pipeline runs; stderr:\n%s", pipeline.err())
            .isTrue();
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              "only " + applied + " of " + events + " events applied; stderr:\n" + pipeline.err());
        }
        pipeline.awaitQuietly(200);
      }
    }
  }

  /** A self-signed key pair in {@code keystore} and its certificate alone in {@code trust}. */
  private static void selfSigned(Path keystore, Path trust, String alias) throws Exception {
    Path cert = keystore.resolveSibling(alias + ".pem");
    keytool(
        "-genkeypair",
        "-alias",
        alias,
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-validity",
        "2",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=ip:127.0.0.1,dns:localhost",
        "-keystore",
        keystore.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        STORE_PASSWORD,
        "-keypass",
        STORE_PASSWORD);
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        alias,
        "-keystore",
        keystore.toString(),
        "-storepass",
        STORE_PASSWORD,
        "-file",
        cert.toString());
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        alias,
        "-file",
        cert.toString(),
        "-keystore",
        trust.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        STORE_PASSWORD);
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
  }
}
