package io.ingraft.app.config;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import org.apache.kafka.common.config.ConfigTransformer;
import org.apache.kafka.common.config.provider.ConfigProvider;
import org.apache.kafka.common.utils.Utils;

/**
 * Resolves {@code ${provider:[path:]key}} references in every setting ({@code ingraft.*}, {@code
 * storage.*} and {@code kafka.*} alike) with Kafka's config providers, configured the way Kafka
 * configures them:
 *
 * <pre>
 * config.providers=file,env
 * config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
 * config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
 * storage.s3.secret-key=${file:/run/secrets/s3.properties:secret}
 * kafka.sasl.jaas.config=${env:KAFKA_JAAS}
 * </pre>
 *
 * <p>Resolution happens once, at start-up; the {@code config.providers*} keys are removed from the
 * result. A reference that stays unresolved (a provider that is not configured, a missing file key
 * or variable) is an error naming the setting and the reference, never the resolved value.
 * References in {@code kafka.*} values are left to the Kafka clients when {@code
 * kafka.config.providers} configures providers there instead.
 */
final class ConfigProviders {
  private static final String PREFIX = KnownSettings.PROVIDERS + ".";

  private ConfigProviders() {}

  static Map<String, String> resolve(Map<String, String> settings) {
    Map<String, String> plain = new LinkedHashMap<>();
    settings.forEach(
        (k, v) -> {
          if (!k.equals(KnownSettings.PROVIDERS) && !k.startsWith(PREFIX)) {
            plain.put(k, v);
          }
        });
    Map<String, ConfigProvider> providers = providers(settings);
    try {
      Map<String, String> resolved =
          providers.isEmpty() ? plain : new ConfigTransformer(providers).transform(plain).data();
      boolean clientsResolve = settings.containsKey("kafka.config.providers");
      resolved.forEach(
          (key, value) -> {
            Matcher m = ConfigTransformer.DEFAULT_PATTERN.matcher(value == null ? "" : value);
            if (m.find() && !(clientsResolve && key.startsWith(KnownSettings.KAFKA_PREFIX))) {
              String provider = m.group(1);
              throw new InvalidSettingException(
                  key,
                  null,
                  "setting "
                      + key
                      + ": cannot resolve "
                      + m.group()
                      + (providers.containsKey(provider)
                          ? " (provider " + provider + " has no such value)"
                          : "; config.providers names no provider "
                              + provider
                              + " (docs/operations.md, \"Secrets\")"));
            }
          });
      return resolved;
    } finally {
      providers.values().forEach(ConfigProviders::close);
    }
  }

  private static Map<String, ConfigProvider> providers(Map<String, String> settings) {
    Map<String, ConfigProvider> providers = new HashMap<>();
    String names = settings.get(KnownSettings.PROVIDERS);
    if (names == null || names.isBlank()) {
      return providers;
    }
    for (String name : names.split(",")) {
      name = name.trim();
      if (name.isEmpty()) {
        continue;
      }
      String classKey = PREFIX + name + ".class";
      String className = settings.get(classKey);
      if (className == null || className.isBlank()) {
        throw new InvalidSettingException(
            classKey, null, "config.providers names " + name + " but " + classKey + " is not set");
      }
      ConfigProvider provider;
      try {
        provider = Utils.newInstance(className.trim(), ConfigProvider.class);
      } catch (ClassNotFoundException | RuntimeException e) {
        throw new InvalidSettingException(classKey, className, "cannot load: " + e);
      }
      String paramPrefix = PREFIX + name + ".param.";
      Map<String, String> params = new HashMap<>();
      settings.forEach(
          (k, v) -> {
            if (k.startsWith(paramPrefix)) {
              params.put(k.substring(paramPrefix.length()), v);
            }
          });
      provider.configure(params);
      providers.put(name, provider);
    }
    return providers;
  }

  private static void close(ConfigProvider provider) {
    try {
      provider.close();
    } catch (IOException e) {
      // Nothing was held open beyond the reads.
    }
  }
}
