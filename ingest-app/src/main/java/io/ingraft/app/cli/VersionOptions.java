package io.ingraft.app.cli;

import io.ingraft.storage.manifest.VersionSelector;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Which version of a graph a reading command works on: {@code --version}, {@code --as-of-time},
 * {@code --as-of-offset} or {@code --as-of-lsn} (at most one; none means the latest), turned into
 * the storage module's {@link VersionSelector}. The resolution itself is {@code
 * ManifestLog.resolve}'s.
 */
final class VersionOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  // A command with a --version option loses picocli's standard -h/-V mixin (its -V, --version
  // clashes), so the help option comes with this mixin.
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Option(
      names = "--version",
      paramLabel = "V",
      description = "A manifest version (default latest).")
  Long version;

  @Option(
      names = "--as-of-time",
      paramLabel = "TIME",
      description =
          "The newest version published at or before TIME (ISO-8601 with an offset,"
              + " e.g. 2026-12-02T10:00:00Z).")
  String asOfTime;

  @Option(
      names = "--as-of-offset",
      paramLabel = "[TOPIC:]PARTITION:OFFSET",
      description =
          "The first version in which the graph-log event at PARTITION:OFFSET is applied"
              + " (with the rest of its batch). TOPIC defaults to the graph log the graph records.")
  String asOfOffset;

  @Option(
      names = "--as-of-lsn",
      paramLabel = "LSN",
      description =
          "The graph as of a CDC source position: the newest version that reflects"
              + " the source at or before this LSN (a number, or PostgreSQL's X/Y).")
  String asOfLsn;

  /** The selector the options name; a usage error when more than one is given or one is bad. */
  VersionSelector selector() {
    List<String> given = new ArrayList<>();
    if (version != null) {
      given.add("--version");
    }
    if (asOfTime != null) {
      given.add("--as-of-time");
    }
    if (asOfOffset != null) {
      given.add("--as-of-offset");
    }
    if (asOfLsn != null) {
      given.add("--as-of-lsn");
    }
    if (given.size() > 1) {
      throw usage("give at most one of " + String.join(", ", given));
    }
    try {
      if (version != null) {
        return new VersionSelector.Exact(version);
      }
      if (asOfTime != null) {
        return new VersionSelector.AtOrBefore(OffsetDateTime.parse(asOfTime.trim()).toInstant());
      }
      if (asOfOffset != null) {
        return VersionSelector.CoveringOffset.parse(asOfOffset);
      }
      if (asOfLsn != null) {
        return new VersionSelector.AtOrBeforeCdc(GraphCommand.parseLsn(asOfLsn));
      }
    } catch (DateTimeParseException e) {
      throw usage(
          "--as-of-time: expected ISO-8601 with an offset, e.g. 2026-12-02T10:00:00Z, got '"
              + asOfTime
              + "'");
    } catch (IllegalArgumentException e) {
      // Bad numbers or ranges (NumberFormatException is one): the message names the problem.
      throw usage(given.get(0) + ": " + e.getMessage());
    }
    return new VersionSelector.Latest();
  }

  private ParameterException usage(String message) {
    return new ParameterException(mixee.commandLine(), message);
  }
}
