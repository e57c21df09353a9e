package io.ingraft.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The loops agree with the regular expressions they replace, on random and edge inputs. */
class NameRulesTest {
  static final String ALPHABET = "aAzZ09._-/ é\u0000Q";

  @Test
  void theLoopsMatchTheRegularExpressions() {
    Pattern graphId = Pattern.compile(NameRules.GRAPH_ID);
    Pattern name = Pattern.compile(NameRules.NAME);
    Random random = new Random(7);
    for (int i = 0; i < 200_000; i++) {
      int length = random.nextInt(i % 100 == 0 ? 140 : 6);
      StringBuilder s = new StringBuilder();
      for (int j = 0; j < length; j++) {
        s.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
      }
      String value = s.toString();
      assertThat(NameRules.isGraphId(value)).as(value).isEqualTo(graphId.matcher(value).matches());
      assertThat(NameRules.isName(value)).as(value).isEqualTo(name.matcher(value).matches());
    }
    assertThat(NameRules.isGraphId("a".repeat(128))).isTrue();
    assertThat(NameRules.isGraphId("a".repeat(129))).isFalse();
    assertThat(NameRules.isName("A".repeat(128))).isTrue();
    assertThat(NameRules.isName("A".repeat(129))).isFalse();
    assertThat(NameRules.isGraphId(null)).isFalse();
    assertThat(NameRules.isName(null)).isFalse();
  }
}
