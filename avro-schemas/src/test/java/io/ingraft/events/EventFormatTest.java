package io.ingraft.events;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventFormatTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      nullValues = "none",
      value = {
        "c301, AVRO",
        "c30100112233445566778899, AVRO",
        "00, CONFLUENT",
        "0000000001, CONFLUENT",
        "7b, JSON",
        "5b5d, JSON",
        "20200a0d097b, JSON",
        "efbbbf7b, JSON",
        "efbbbf200a5b, JSON",
        "c3, none",
        "c302, none",
        "01, none",
        "2231, none",
        "31, none",
        "74727565, none",
        "202020, none",
        "ff, none",
        "efbbbf, none"
      })
  void detectsTheFormatFromTheFirstBytes(String hex, String expected) {
    Optional<EventFormat> detected = EventFormat.detect(HexFormat.of().parseHex(hex));
    assertThat(detected.map(Enum::name).orElse(null)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"'{\"graph\": \"g\"}'", "'  [1, 2]'"})
  void jsonTextIsJson(String text) {
    assertThat(EventFormat.detect(text.getBytes(UTF_8))).contains(EventFormat.JSON);
  }

  @org.junit.jupiter.api.Test
  void nothingIsNothing() {
    assertThat(EventFormat.detect(new byte[0])).isEmpty();
    assertThat(EventFormat.detect(null)).isEmpty();
  }
}
