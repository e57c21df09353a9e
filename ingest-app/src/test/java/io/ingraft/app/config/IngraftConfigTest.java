package io.ingraft.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
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

  @ParameterizedTest
  @ValueSource(strings = {"yes", "1", "TRUE", "on", ""})
  void refusesAnythingButTrueOrFalseNamingTheKey(String value) {
    assertThatThrownBy(() -> config(Map.of(IngraftConfig.KEYED_BY_GRAPH, value)))
        .isInstanceOfSatisfying(InvalidSettingException.class, e -> {
          assertThat(e.key()).isEqualTo("ingraft.topology.keyed-by-graph");
          assertThat(e.value()).isEqualTo(value);
        })
        .hasMessageContaining("ingraft.topology.keyed-by-graph")
        .hasMessageContaining("true or false");
  }

  private static IngraftConfig config(Map<String, String> settings) {
    Map<String, String> all = new HashMap<>(settings);
    all.put("storage.root", "target/config-test");
    return IngraftConfig.fromMap(all);
  }
}
