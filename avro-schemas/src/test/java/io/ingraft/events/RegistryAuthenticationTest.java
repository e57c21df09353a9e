package io.ingraft.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

/**
 * {@link RestSchemaRegistry} authenticates on every request with the credentials it is given (basic
 * or bearer), against a registry that answers 401 otherwise; the failure names the registry and
 * says it is authentication; no secret shows in {@code toString}.
 */
class RegistryAuthenticationTest {
  private static final Schema SCHEMA =
      SchemaBuilder.record("Thing").namespace("t").fields().requiredString("id").endRecord();

  @Test
  void sendsBasicCredentialsOnEveryRequest() throws Exception {
    try (FakeRegistryServer server = new FakeRegistryServer()) {
      String expected =
          "Basic "
              + Base64.getEncoder()
                  .encodeToString("reader:s3cr3t-pass".getBytes(StandardCharsets.UTF_8));
      server.requireAuthorization(expected);
      RestSchemaRegistry registry =
          new RestSchemaRegistry(
              server.uri(),
              Duration.ofSeconds(5),
              new RegistryCredentials.Basic("reader", "s3cr3t-pass"),
              null);
      int id = registry.register("things-value", SCHEMA);
      RestSchemaRegistry fresh =
          new RestSchemaRegistry(
              server.uri(),
              Duration.ofSeconds(5),
              new RegistryCredentials.Basic("reader", "s3cr3t-pass"),
              null);
      assertThat(fresh.schemaById(id)).isEqualTo(SCHEMA);
      assertThat(server.authorizations()).hasSize(2).containsOnly(expected);
    }
  }

  @Test
  void sendsABearerToken() throws Exception {
    try (FakeRegistryServer server = new FakeRegistryServer()) {
      server.requireAuthorization("Bearer tok-123");
      RestSchemaRegistry registry =
          new RestSchemaRegistry(
              server.uri(), Duration.ofSeconds(5), new RegistryCredentials.Bearer("tok-123"), null);
      registry.register("things-value", SCHEMA);
      assertThat(server.authorizations()).containsExactly("Bearer tok-123");
    }
  }

  @Test
  void wrongCredentialsFailAsAuthenticationNamingTheRegistryWithoutTheSecret() throws Exception {
    try (FakeRegistryServer server = new FakeRegistryServer()) {
      server.requireAuthorization("Bearer right");
      RegistryCredentials wrong = new RegistryCredentials.Bearer("wrong-token-value");
      RestSchemaRegistry registry =
          new RestSchemaRegistry(server.uri(), Duration.ofSeconds(5), wrong, null);
      assertThatThrownBy(() -> registry.register("things-value", SCHEMA))
          .isInstanceOfSatisfying(
              SchemaRegistryException.class,
              e -> assertThat(e.kind()).isEqualTo(SchemaRegistryException.Kind.REJECTED))
          .hasMessageContaining(server.uri().toString())
          .hasMessageContaining("authentication failed")
          .hasMessageNotContaining("wrong-token-value");
      assertThat(wrong.toString()).doesNotContain("wrong-token-value");
      assertThat(new RegistryCredentials.Basic("u", "pw-secret").toString())
          .doesNotContain("pw-secret");
    }
  }

  @Test
  void sendsNoHeaderWithoutCredentials() throws Exception {
    try (FakeRegistryServer server = new FakeRegistryServer()) {
      new RestSchemaRegistry(server.uri()).register("things-value", SCHEMA);
      assertThat(server.authorizations()).containsExactly("none");
    }
  }
}
