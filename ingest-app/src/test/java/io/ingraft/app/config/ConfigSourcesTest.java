package io.ingraft.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.events.RegistryCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one way settings are read: file, environment, command line; unknown keys caught with a
 * suggestion; Kafka's config providers for every key; secrets kept out of messages and {@code
 * toString}.
 */
class ConfigSourcesTest {
  private static final String PROVIDERS =
      "config.providers=file,env\n"
          + "config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider\n"
          + "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider\n";

  @TempDir Path dir;

  @Test
  void anUnknownKeyIsAnErrorNamingTheClosestKnownOne() {
    assertThatThrownBy(() -> IngraftConfig.fromMap(Map.of("ingraft.writer.thread", "7")))
        .isInstanceOfSatisfying(
            UnknownSettingException.class,
            e -> {
              assertThat(e.key()).isEqualTo("ingraft.writer.thread");
              assertThat(e.suggestion()).contains("ingraft.writer.threads");
            })
        .hasMessageContaining("did you mean ingraft.writer.threads?");
    assertThatThrownBy(() -> IngraftConfig.fromMap(Map.of("ingraft.seal.linger", "5")))
        .hasMessageContaining("did you mean ingraft.seal.linger-ms?");
    // A Kafka client key without its prefix.
    assertThatThrownBy(() -> IngraftConfig.fromMap(Map.of("security.protocol", "SSL")))
        .hasMessageContaining("did you mean kafka.security.protocol?");
    // Nothing close: no guess, but the key is still refused.
    assertThatThrownBy(() -> IngraftConfig.fromMap(Map.of("ingraft.completely.else", "1")))
        .isInstanceOf(UnknownSettingException.class)
        .hasMessageContaining("unknown setting ingraft.completely.else");
  }

  @Test
  void everyKnownKeyHasItsOwnEnvironmentVariable() {
    for (String key : KnownSettings.names()) {
      assertThat(KnownSettings.keyOfEnv(KnownSettings.envName(key))).as(key).contains(key);
    }
    assertThat(KnownSettings.envName("ingraft.writer.threads")).isEqualTo("INGRAFT_WRITER_THREADS");
    assertThat(KnownSettings.envName("storage.s3.secret-key"))
        .isEqualTo("INGRAFT_STORAGE_S3_SECRET_KEY");
    assertThat(KnownSettings.keyOfEnv("INGRAFT_KAFKA_SASL_JAAS_CONFIG"))
        .contains("kafka.sasl.jaas.config");
  }

  @Test
  void theEnvironmentOverridesTheFileAndOptionsOverrideTheEnvironment() throws Exception {
    Path file = dir.resolve("ingraft.properties");
    Files.writeString(
        file, "ingraft.writer.threads=2\ningraft.seal.max-events=10\nkafka.client.id=from-file\n");
    Map<String, String> env =
        Map.of(
            "INGRAFT_WRITER_THREADS", "7",
            "INGRAFT_SEAL_MAX_EVENTS", "11",
            "INGRAFT_KAFKA_CLIENT_ID", "from-env",
            "INGRAFT_LOG_FORMAT", "json",
            "INGRAFT_SERVICE_HOST", "10.0.0.1",
            "PATH", "/bin");
    ConfigSources sources = new ConfigSources(file, env, Map.of("ingraft.seal.max-events", "12"));
    IngraftConfig config = sources.config();
    assertThat(config.writer().threads()).isEqualTo(7);
    assertThat(config.sealing().maxEvents()).isEqualTo(12);
    assertThat(config.kafka()).containsEntry("client.id", "from-env");
    // Launcher and orchestrator variables are not settings, and not close to one.
    assertThat(sources.warnings()).isEmpty();
  }

  @Test
  void aVariableWithinATypoOfASettingIsReported() {
    // 1: a value the default (the cores, at least 2) never is, so applying the typo would show.
    ConfigSources sources = new ConfigSources(null, Map.of("INGRAFT_WRITER_THREAD", "1"), Map.of());
    assertThat(sources.config().writer().threads()).isEqualTo(IngraftConfig.defaultWriterThreads());
    assertThat(sources.warnings())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("INGRAFT_WRITER_THREAD")
        .contains("did you mean INGRAFT_WRITER_THREADS?");
  }

  @Test
  void aKafkaKeyWithinATypoOfAClientSettingIsReported() {
    ConfigSources sources =
        new ConfigSources(
            null,
            Map.of(),
            Map.of(
                "kafka.sasl.jass.config", "x",
                "kafka.security.protocol", "SASL_SSL",
                "kafka.my.plugin.setting", "y"));
    assertThat(sources.warnings())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("did you mean kafka.sasl.jaas.config?");
  }

  @Test
  void providersResolveIngraftStorageAndKafkaKeys() throws Exception {
    Path secrets = dir.resolve("secrets.properties");
    Files.writeString(secrets, "s3=file-secret-value\nregistry=registry-pass\n");
    // An environment variable every process has.
    String home = System.getenv("PATH");
    Path file = dir.resolve("ingraft.properties");
    Files.writeString(
        file,
        PROVIDERS
            + "storage.s3.access-key=AKIA\n"
            + "storage.s3.secret-key=${file:"
            + secrets
            + ":s3}\n"
            + "ingraft.schema-registry.url=http://registry:8081\n"
            + "ingraft.schema-registry.basic.username=reader\n"
            + "ingraft.schema-registry.basic.password=${file:"
            + secrets
            + ":registry}\n"
            + "kafka.client.id=${env:PATH}\n"
            + "ingraft.application-id=${env:PATH}\n");
    IngraftConfig config = new ConfigSources(file, Map.of(), Map.of()).config();
    assertThat(config.storage().s3SecretKey()).contains("file-secret-value");
    assertThat(config.kafka()).containsEntry("client.id", home);
    assertThat(config.applicationId()).isEqualTo(home);
    assertThat(config.registry().credentials())
        .isEqualTo(new RegistryCredentials.Basic("reader", "registry-pass"));
    // The provider keys themselves are not passed on to the clients.
    assertThat(config.kafka()).doesNotContainKey("config.providers");
    assertThat(config.toString()).doesNotContain("file-secret-value", "registry-pass");
  }

  @Test
  void anUnresolvableReferenceNamesTheSettingNotAValue() throws Exception {
    Path file = dir.resolve("ingraft.properties");
    Files.writeString(
        file, PROVIDERS + "storage.s3.secret-key=${env:INGRAFT_TEST_SURELY_UNSET_VARIABLE}\n");
    assertThatThrownBy(() -> new ConfigSources(file, Map.of(), Map.of()).config())
        .isInstanceOf(InvalidSettingException.class)
        .hasMessageContaining("storage.s3.secret-key")
        .hasMessageContaining("${env:INGRAFT_TEST_SURELY_UNSET_VARIABLE}");
    // Without config.providers, the reference is refused, not used as the secret.
    assertThatThrownBy(() -> IngraftConfig.fromMap(Map.of("kafka.sasl.jaas.config", "${env:JAAS}")))
        .hasMessageContaining("config.providers names no provider env");
  }

  @Test
  void secretsNeverShowInToStringOrErrors() {
    Map<String, String> settings = new HashMap<>();
    settings.put("storage.s3.access-key", "AKIA");
    settings.put("storage.s3.secret-key", "s3-secret-value");
    settings.put(
        "kafka.sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\""
            + " password=\"jaas-secret-value\";");
    settings.put("kafka.ssl.truststore.password", "truststore-secret-value");
    settings.put("ingraft.schema-registry.bearer.token", "token-secret-value");
    IngraftConfig config = IngraftConfig.fromMap(settings);
    assertThat(config.toString())
        .doesNotContain(
            "s3-secret-value", "jaas-secret-value", "truststore-secret-value", "token-secret-value")
        .contains("sasl.jaas.config=[hidden]");
    assertThat(config.storage().toString()).doesNotContain("s3-secret-value");
    // A blank secret is an error naming the key, never the value.
    assertThatThrownBy(
            () -> IngraftConfig.fromMap(Map.of("ingraft.schema-registry.bearer.token", " ")))
        .isInstanceOfSatisfying(InvalidSettingException.class, e -> assertThat(e.value()).isNull())
        .hasMessageContaining("ingraft.schema-registry.bearer.token=[hidden]");
    assertThat(new EnvironmentOverrides(settings, java.util.List.of()).toString())
        .doesNotContain("s3-secret-value");
  }

  @Test
  void registryCredentialsAreOneKind() {
    assertThatThrownBy(
            () ->
                IngraftConfig.fromMap(
                    Map.of(
                        "ingraft.schema-registry.bearer.token", "t",
                        "ingraft.schema-registry.basic.username", "u",
                        "ingraft.schema-registry.basic.password", "p")))
        .hasMessageContaining("either a bearer token or basic credentials");
    assertThat(
            IngraftConfig.fromMap(Map.of("ingraft.schema-registry.bearer.token", "t"))
                .registry()
                .credentials())
        .isEqualTo(new RegistryCredentials.Bearer("t"));
  }
}
