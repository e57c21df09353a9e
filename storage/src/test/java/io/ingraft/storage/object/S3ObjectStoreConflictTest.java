package io.ingraft.storage.object;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.storage.StorageConfig;
import io.ingraft.storage.StorageIoException;
import io.ingraft.storage.testing.S3ProxyServer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * How {@link S3ObjectStore#putIfAbsent} classifies statuses the local server never sends: AWS
 * answers a conditional PUT that raced another write with 409 ConditionalRequestConflict. A wrapper
 * around a real client fails the first conditional PUTs with a chosen status, then lets them
 * through to s3proxy.
 */
class S3ObjectStoreConflictTest {
  private S3Client real;
  private final AtomicInteger conditionalPuts = new AtomicInteger();
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private volatile int failureStatus;
  private S3ObjectStore store;

  @BeforeEach
  void openStore() {
    StorageConfig config = S3ProxyServer.shared().config("conflict/" + UUID.randomUUID());
    real = S3ObjectStore.buildClient(config, null);
    S3Client faulty =
        (S3Client)
            Proxy.newProxyInstance(
                S3Client.class.getClassLoader(),
                new Class<?>[] {S3Client.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("putObject")
                      && args.length == 2
                      && args[0] instanceof PutObjectRequest request
                      && request.ifNoneMatch() != null) {
                    conditionalPuts.incrementAndGet();
                    if (failuresLeft.getAndDecrement() > 0) {
                      throw S3Exception.builder()
                          .statusCode(failureStatus)
                          .awsErrorDetails(
                              AwsErrorDetails.builder()
                                  .errorCode("Injected" + failureStatus)
                                  .errorMessage("injected")
                                  .build())
                          .build();
                    }
                  }
                  try {
                    return method.invoke(real, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    store = new S3ObjectStore(config, faulty, faulty, 1000);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void conflictsAreRetriedUntilThePutGoesThrough() {
    inject(409, S3ObjectStore.CONFLICT_ATTEMPTS - 1);

    store.putIfAbsent("k", bytes("mine"));

    assertThat(conditionalPuts).hasValue(S3ObjectStore.CONFLICT_ATTEMPTS);
    assertThat(store.read("k")).isEqualTo(bytes("mine"));
  }

  @Test
  void persistentConflictWithNoObjectIsAFault() {
    inject(409, Integer.MAX_VALUE);

    assertThatThrownBy(() -> store.putIfAbsent("k", bytes("mine")))
        .isInstanceOfSatisfying(
            StorageIoException.class,
            e -> assertThat(e.getCause()).isInstanceOf(S3Exception.class));
    assertThat(conditionalPuts).hasValue(S3ObjectStore.CONFLICT_ATTEMPTS);
    assertThat(store.readIfExists("k")).isEmpty();
  }

  @Test
  void persistentConflictWithAnObjectThereIsALostRace() {
    store.put("k", bytes("theirs"));
    inject(409, Integer.MAX_VALUE);

    assertThatThrownBy(() -> store.putIfAbsent("k", bytes("mine")))
        .isInstanceOfSatisfying(
            ObjectAlreadyExistsException.class, e -> assertThat(e.key()).isEqualTo("k"));
    assertThat(conditionalPuts).hasValue(S3ObjectStore.CONFLICT_ATTEMPTS);
    assertThat(store.read("k")).isEqualTo(bytes("theirs"));
  }

  @Test
  void preconditionFailedIsALostRaceAtOnce() {
    inject(412, 1);

    assertThatThrownBy(() -> store.putIfAbsent("k", bytes("mine")))
        .isInstanceOf(ObjectAlreadyExistsException.class);
    assertThat(conditionalPuts).hasValue(1);
  }

  @Test
  void otherStatusesAreFaultsAndNotRetried() {
    inject(500, 1);

    assertThatThrownBy(() -> store.putIfAbsent("k", bytes("mine")))
        .isInstanceOf(StorageIoException.class);
    assertThat(conditionalPuts).hasValue(1);
    assertThat(store.readIfExists("k")).isEmpty();
  }

  private void inject(int status, int times) {
    failureStatus = status;
    failuresLeft.set(times);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(UTF_8);
  }
}
