package io.ingraft.it.deploy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The deployment files and shell scripts, checked by the tools their users run: Kubernetes' {@code
 * kubectl kustomize} renders deploy/k8s, Prometheus' {@code promtool} checks the alert rules, runs
 * their unit tests and checks the compose stack's Prometheus configuration, {@code shellcheck}
 * passes every shell script, {@code yamllint --strict} (with the repository's {@code .yamllint})
 * passes every YAML file, and the Grafana dashboard is well-formed. The tools are Debian packages
 * that {@code .ci/run} installs; a missing one fails with its package name. (Docker is not
 * available here: the Dockerfile and the compose file are linted, not run.)
 */
class DeploymentFilesTest {
  private static final Path REPO = Path.of(System.getProperty("user.dir")).getParent();
  private static final Path DEPLOY = REPO.resolve("deploy");

  /** Directories that hold no sources of ours. */
  private static final Set<String> SKIPPED =
      Set.of("target", ".git", ".ingraft-tmp", "ingraft-demo", "ingraft-data", "node_modules");

  @Test
  void theKubernetesBaseRenders() throws Exception {
    Result result = run(DEPLOY, "kubernetes-client", "kubectl", "kustomize", "k8s");
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output())
        .contains(
            "kind: Deployment",
            "kind: PodDisruptionBudget",
            "kind: ConfigMap",
            "kind: Secret",
            "kind: Service")
        .contains("path: /health/ready", "path: /health/live", "prometheus.io/scrape")
        .contains("secretRef:", "image: ingraft:");
  }

  @Test
  void theAlertRulesPassPromtoolAndTheirUnitTests() throws Exception {
    Path rules = DEPLOY.resolve("prometheus");
    for (List<String> check :
        List.of(
            List.of("check", "rules", "alerts.yml"),
            List.of("test", "rules", "alerts-test.yml"),
            List.of("check", "config", "prometheus.yml"))) {
      List<String> command = new ArrayList<>(List.of("promtool"));
      command.addAll(check);
      Result result = run(rules, "prometheus", command.toArray(String[]::new));
      assertThat(result.exitCode()).as("promtool %s:%n%s", check, result.output()).isZero();
    }
  }

  @Test
  void everyShellScriptPassesShellcheck() throws Exception {
    List<String> scripts = new ArrayList<>();
    for (Path file : files()) {
      if (isShellScript(file)) {
        scripts.add(REPO.relativize(file).toString());
      }
    }
    assertThat(scripts).contains("ingraft", ".ci/run", "ingest-app/dist/src/main/dist/bin/ingraft");
    List<String> command = new ArrayList<>(List.of("shellcheck"));
    command.addAll(scripts);
    Result result = run(REPO, "shellcheck", command.toArray(String[]::new));
    assertThat(result.exitCode()).as(result.output()).isZero();
  }

  @Test
  void everyYamlFilePassesYamllint() throws Exception {
    List<Path> yaml =
        files().stream().filter(p -> p.getFileName().toString().matches(".*\\.ya?ml")).toList();
    assertThat(yaml).isNotEmpty();
    List<String> command = new ArrayList<>(List.of("yamllint", "--strict", "-c", ".yamllint"));
    yaml.forEach(p -> command.add(REPO.relativize(p).toString()));
    Result result = run(REPO, "yamllint", command.toArray(String[]::new));
    assertThat(result.exitCode()).as(result.output()).isZero();
  }

  @Test
  void theDashboardIsGrafanaJsonWithAQueryInEveryPanel() throws IOException {
    JsonNode dashboard =
        new ObjectMapper().readTree(DEPLOY.resolve("grafana/dashboards/ingraft.json").toFile());
    assertThat(dashboard.path("uid").asText()).isEqualTo("ingraft");
    List<String> untitled = new ArrayList<>();
    int queries = 0;
    for (JsonNode panel : dashboard.path("panels")) {
      if (panel.path("type").asText().equals("row")) {
        continue;
      }
      if (panel.path("title").asText().isBlank() || panel.path("targets").isEmpty()) {
        untitled.add(panel.toString());
      }
      for (JsonNode target : panel.path("targets")) {
        assertThat(target.path("expr").asText()).as(panel.path("title").asText()).isNotBlank();
        queries++;
      }
    }
    assertThat(untitled).isEmpty();
    assertThat(queries).isGreaterThan(20);
  }

  private static boolean isShellScript(Path file) {
    try {
      if (!Files.isRegularFile(file) || Files.size(file) == 0) {
        return false;
      }
      String firstLine;
      try (var lines = Files.lines(file, UTF_8)) {
        firstLine = lines.findFirst().orElse("");
      }
      return firstLine.matches("#!.*\\b(ba)?sh\\b.*");
    } catch (IOException | java.io.UncheckedIOException e) {
      return false; // a binary file is not a script
    }
  }

  /** Every file of the repository outside build output and VCS data. */
  private static List<Path> files() throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> paths = Files.walk(REPO)) {
      paths
          .filter(Files::isRegularFile)
          .filter(
              p -> {
                for (Path part : REPO.relativize(p)) {
                  if (SKIPPED.contains(part.toString())) {
                    return false;
                  }
                }
                return true;
              })
          .forEach(files::add);
    }
    return files;
  }

  private record Result(int exitCode, String output) {}

  private static Result run(Path dir, String debianPackage, String... command) throws Exception {
    assertThat(onPath(command[0]))
        .as(
            "%s is not installed: .ci/run installs it " + "(apt-get install %s)",
            command[0], debianPackage)
        .isTrue();
    Path log = Files.createTempFile(Path.of(System.getProperty("java.io.tmpdir")), "tool-", ".log");
    Process process =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("%s finished", command[0]).isTrue();
      return new Result(process.exitValue(), Files.readString(log, UTF_8));
    } finally {
      process.destroyForcibly();
      Files.deleteIfExists(log);
    }
  }

  private static boolean onPath(String tool) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}
