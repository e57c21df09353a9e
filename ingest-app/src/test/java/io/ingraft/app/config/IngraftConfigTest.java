package io.ingraft.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.engine.retention.RetentionPolicy;
import io.ingraft.engine.retention.RetentionSchedule;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Settings read by {@link IngraftConfig#fromMap}: typed, strict, errors that name the key. */
class IngraftConfigTest {
  @Test
  void stageOneRepartitionsByDefault() {
    assertThat(config(Map.of()).stageOne().keyedByGraph()).isFalse();
  }

  @Test
  void readsKeyedByGraph() {
    assertThat(config(Map.of(IngraftConfig.KEYED_BY_GRAPH, "true")).stageOne().keyedByGraph())
        .isTrue();
    assertThat(config(Map.of(IngraftConfig.KEYED_BY_GRAPH, "false")).stageOne().keyedByGraph())
        .isFalse();
    // Surrounding blanks are trimmed, like every other setting.
    assertThat(config(Map.of(IngraftConfig.KEYED_BY_GRAPH, " true ")).stageOne().keyedByGraph())
        .isTrue();
  }

  @Test
  void compactsInTheBackgroundUnlessToldNot() {
    assertThat(config(Map.of()).writer().compactionInBackground()).isTrue();
    assertThat(
            config(Map.of("ingraft.writer.compaction-in-background", "false"))
                .writer()
                .compactionInBackground())
        .isFalse();
    assertThatThrownBy(() -> config(Map.of("ingraft.writer.compaction-in-background", "sometimes")))
        .isInstanceOfSatisfying(
            InvalidSettingException.class,
            e -> assertThat(e.key()).isEqualTo("ingraft.writer.compaction-in-background"));
  }

  @Test
  void theWriterRemovesNoHistoryUntilARetentionIntervalIsSet() {
    assertThat(config(Map.of()).writer().retention()).isEqualTo(RetentionSchedule.OFF);
    assertThat(config(Map.of("ingraft.writer.retention.keep-last", "3")).writer().retention())
        .as("the rules alone do not switch it on")
        .isEqualTo(RetentionSchedule.OFF);

    RetentionSchedule defaults =
        config(Map.of(IngraftConfig.RETENTION_INTERVAL, "600000")).writer().retention();
    assertThat(defaults.every()).isEqualTo(Duration.ofMinutes(10));
    assertThat(defaults.policy()).isEqualTo(RetentionPolicy.defaults());

    RetentionSchedule byTime =
        config(
                Map.of(
                    IngraftConfig.RETENTION_INTERVAL,
                    "60000",
                    "ingraft.writer.retention.keep-last",
                    "0",
                    IngraftConfig.RETENTION_KEEP_FOR,
                    "3600000",
                    "ingraft.writer.retention.orphan-min-age-ms",
                    "7200000"))
            .writer()
            .retention();
    assertThat(byTime.policy())
        .isEqualTo(new RetentionPolicy(null, Duration.ofHours(1), Duration.ofHours(2)));
    assertThat(
            config(
                    Map.of(
                        IngraftConfig.RETENTION_INTERVAL,
                        "60000",
                        IngraftConfig.RETENTION_KEEP_FOR,
                        "0"))
                .writer()
                .retention()
                .policy())
        .isEqualTo(new RetentionPolicy(10, null, null));
  }

  @Test
  void refusesARetentionThatWouldKeepNothingOrIsMalformedNamingTheKey() {
    assertThatThrownBy(
            () ->
                config(
                    Map.of(
                        IngraftConfig.RETENTION_INTERVAL,
                        "60000",
                        "ingraft.writer.retention.keep-last",
                        "0",
                        IngraftConfig.RETENTION_KEEP_FOR,
                        "0")))
        .isInstanceOfSatisfying(
            InvalidSettingException.class,
            e -> assertThat(e.key()).isEqualTo(IngraftConfig.RETENTION_KEEP_FOR))
        .hasMessageContaining("both 0");
    assertThatThrownBy(() -> config(Map.of(IngraftConfig.RETENTION_INTERVAL, "-1")))
        .isInstanceOfSatisfying(
            InvalidSettingException.class,
            e -> assertThat(e.key()).isEqualTo(IngraftConfig.RETENTION_INTERVAL));
    assertThatThrownBy(() -> config(Map.of("ingraft.writer.retention.orphan-min-age-ms", "60000")))
        .as("an orphan age under an hour could take the writer's own write in flight")
        .isInstanceOfSatisfying(
            InvalidSettingException.class,
            e -> assertThat(e.key()).isEqualTo("ingraft.writer.retention.orphan-min-age-ms"));
    assertThatThrownBy(() -> config(Map.of("ingraft.writer.retention.keep-last", "ten")))
        .isInstanceOfSatisfying(
            InvalidSettingException.class,
            e -> assertThat(e.key()).isEqualTo("ingraft.writer.retention.keep-last"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"yes", "1", "TRUE", "on", ""})
  void refusesAnythingButTrueOrFalseNamingTheKey(String value) {
    assertThatThrownBy(() -> config(Map.of(IngraftConfig.KEYED_BY_GRAPH, value)))
        .isInstanceOfSatisfying(
            InvalidSettingException.class,
            e -> {
              assertThat(e.key()).isEqualTo("ingraft.topology.keyed-by-graph");
              assertThat(e.value()).isEqualTo(value);
            })
        .hasMessageContaining("ingraft.topology.keyed-by-graph")
        .hasMessageContaining("true or false");
  }

  @Test
  void theGraphLogRetentionIsUnsetByDefaultAndMinusOneOrPositive() {
    assertThat(config(Map.of()).topics().graphLogRetentionMs()).isNull();
    assertThat(config(Map.of(IngraftConfig.LOG_RETENTION_MS, "-1")).topics().graphLogRetentionMs())
        .isEqualTo(-1L);
    assertThat(
            config(Map.of(IngraftConfig.LOG_RETENTION_MS, "604800000"))
                .topics()
                .graphLogRetentionMs())
        .isEqualTo(604_800_000L);
    for (String bad : List.of("0", "-2", "7d", "")) {
      assertThatThrownBy(() -> config(Map.of(IngraftConfig.LOG_RETENTION_MS, bad)))
          .isInstanceOfSatisfying(
              InvalidSettingException.class,
              e -> assertThat(e.key()).isEqualTo("ingraft.log.retention.ms"));
    }
  }

  @Test
  void monitoringDefaultsAndOverrides() {
    IngraftConfig.Monitoring defaults = config(Map.of()).monitoring();
    assertThat(defaults)
        .isEqualTo(new IngraftConfig.Monitoring("0.0.0.0", 8080, Duration.ofSeconds(1)));
    assertThat(defaults.httpEnabled()).isTrue();
    IngraftConfig.Monitoring set =
        config(
                Map.of(
                    "ingraft.http.host",
                    "127.0.0.1",
                    "ingraft.http.port",
                    "0",
                    "ingraft.metrics.lag-interval-ms",
                    "250"))
            .monitoring();
    assertThat(set).isEqualTo(new IngraftConfig.Monitoring("127.0.0.1", 0, Duration.ofMillis(250)));
    assertThat(config(Map.of("ingraft.http.port", "-1")).monitoring().httpEnabled()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"-2", "65536", "http", ""})
  void refusesAnHttpPortOutsideItsRangeNamingTheKey(String value) {
    assertThatThrownBy(() -> config(Map.of("ingraft.http.port", value)))
        .isInstanceOfSatisfying(
            InvalidSettingException.class, e -> assertThat(e.key()).isEqualTo("ingraft.http.port"));
  }

  @Test
  void writerTimingDefaultsAndOverrides() {
    assertThat(config(Map.of()).writer().timing()).isEqualTo(IngraftConfig.WriterTiming.DEFAULT);
    IngraftConfig.WriterTiming timing =
        config(
                Map.of(
                    "ingraft.writer.poll-timeout-ms", "50",
                    "ingraft.writer.commit-interval-ms", "1000",
                    "ingraft.writer.retry-backoff-ms", "100",
                    "ingraft.writer.max-retry-backoff-ms", "5000",
                    "ingraft.writer.drain-timeout-ms", "10000",
                    "ingraft.writer.send-timeout-ms", "20000",
                    "ingraft.writer.fence-grace-ms", "90000"))
            .writer()
            .timing();
    assertThat(timing)
        .isEqualTo(
            new IngraftConfig.WriterTiming(
                Duration.ofMillis(50),
                Duration.ofSeconds(1),
                Duration.ofMillis(100),
                Duration.ofSeconds(5),
                Duration.ofSeconds(10),
                Duration.ofSeconds(20),
                Duration.ofSeconds(90)));
    assertThat(config(Map.of()).writer().maxBatchEvents()).isEqualTo(100_000);
    // One worker per core the JVM may use, never fewer than two (a load may hold one).
    assertThat(config(Map.of()).writer().threads())
        .isEqualTo(Math.max(2, Runtime.getRuntime().availableProcessors()));
  }

  @Test
  void refusesBadWriterTimingNamingTheKey() {
    assertThatThrownBy(() -> config(Map.of("ingraft.writer.fence-grace-ms", "soon")))
        .isInstanceOfSatisfying(
            InvalidSettingException.class,
            e -> assertThat(e.key()).isEqualTo("ingraft.writer.fence-grace-ms"));
    assertThatThrownBy(() -> config(Map.of("ingraft.writer.commit-interval-ms", "0")))
        .isInstanceOfSatisfying(
            InvalidSettingException.class,
            e -> assertThat(e.key()).isEqualTo("ingraft.writer.commit-interval-ms"));
    assertThatThrownBy(
            () ->
                config(
                    Map.of(
                        "ingraft.writer.retry-backoff-ms",
                        "1000",
                        "ingraft.writer.max-retry-backoff-ms",
                        "500")))
        .isInstanceOfSatisfying(
            InvalidSettingException.class,
            e -> assertThat(e.key()).isEqualTo("ingraft.writer.max-retry-backoff-ms"))
        .hasMessageContaining("ingraft.writer.retry-backoff-ms");
  }

  @Test
  void fileLoadsAreOffUntilRootsAreNamed() {
    IngraftConfig.Loads off = config(Map.of()).loads();
    assertThat(off.roots()).isEmpty();
    assertThat(off.limits()).isEqualTo(io.ingraft.engine.load.LoadLimits.DEFAULT);

    IngraftConfig.Loads on =
        config(
                Map.of(
                    IngraftConfig.LOAD_ROOTS,
                    "/data/loads/{graph}, s3://lake/exports/{graph}/",
                    "ingraft.load.max-bytes",
                    "1024",
                    "ingraft.load.max-rows",
                    "10",
                    "ingraft.load.timeout-ms",
                    "500"))
            .loads();
    assertThat(on.roots())
        .containsExactly(
            new io.ingraft.engine.load.LoadRoot.Directory("/data/loads/{graph}"),
            new io.ingraft.engine.load.LoadRoot.Bucket("lake", "exports/{graph}"));
    assertThat(on.limits())
        .isEqualTo(
            new io.ingraft.engine.load.LoadLimits(1024, 10, java.time.Duration.ofMillis(500)));
  }

  @Test
  void refusesLoadRootsThatAreUnsafeOrHoldTheStorageRoot() {
    String storage =
        java.nio.file.Path.of("target/config-test").toAbsolutePath().normalize().toString();
    for (String root :
        java.util.List.of(
            "relative",
            "/",
            "/proc",
            "/data/../etc",
            "file://host/data",
            storage,
            storage + "/graphs",
            java.nio.file.Path.of(storage).getParent().toString())) {
      assertThatThrownBy(() -> config(Map.of(IngraftConfig.LOAD_ROOTS, root)))
          .as(root)
          .isInstanceOfSatisfying(
              InvalidSettingException.class,
              e -> assertThat(e.key()).isEqualTo(IngraftConfig.LOAD_ROOTS));
    }
    assertThatThrownBy(() -> config(Map.of("ingraft.load.max-bytes", "0")))
        .isInstanceOfSatisfying(
            InvalidSettingException.class,
            e -> assertThat(e.key()).isEqualTo("ingraft.load.max-bytes"));
  }

  private static IngraftConfig config(Map<String, String> settings) {
    Map<String, String> all = new HashMap<>(settings);
    all.put("storage.root", "target/config-test");
    return IngraftConfig.fromMap(all);
  }
}
