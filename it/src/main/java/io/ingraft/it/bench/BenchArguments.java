package io.ingraft.it.bench;

import java.util.Arrays;

/**
 * The words of a benchmark's command line: {@code exec:exec} passes {@code -Dbench.args="a b"} as
 * one argument (and an empty one as one blank argument), so each is split on whitespace as a shell
 * would.
 */
final class BenchArguments {
  private BenchArguments() {}

  static String[] words(String[] rawArgs) {
    return Arrays.stream(rawArgs)
        .filter(a -> !a.isBlank())
        .flatMap(a -> Arrays.stream(a.trim().split("\\s+")))
        .toArray(String[]::new);
  }
}
