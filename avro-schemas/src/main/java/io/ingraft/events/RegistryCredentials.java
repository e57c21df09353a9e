package io.ingraft.events;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link RestSchemaRegistry} authenticates: not at all, HTTP basic (user and password, as
 * Confluent Cloud's API keys, Karapace and Apicurio use), or a bearer token (OAuth). The secret
 * never shows in {@code toString}.
 */
public sealed interface RegistryCredentials {
  /** No credentials. */
  RegistryCredentials NONE = new None();

  /** The {@code Authorization} header value, if any. */
  Optional<String> authorization();

  /** Sends no {@code Authorization} header. */
  record None() implements RegistryCredentials {
    @Override
    public Optional<String> authorization() {
      return Optional.empty();
    }
  }

  /** HTTP basic authentication. */
  record Basic(String user, String password) implements RegistryCredentials {
    public Basic {
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(password, "password");
    }

    @Override
    public Optional<String> authorization() {
      String pair = user + ":" + password;
      return Optional.of(
          "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public String toString() {
      return "Basic[user=" + user + ", password=[hidden]]";
    }
  }

  /** A bearer token. */
  record Bearer(String token) implements RegistryCredentials {
    public Bearer {
      Objects.requireNonNull(token, "token");
    }

    @Override
    public Optional<String> authorization() {
      return Optional.of("Bearer " + token);
    }

    @Override
    public String toString() {
      return "Bearer[token=[hidden]]";
    }
  }
}
