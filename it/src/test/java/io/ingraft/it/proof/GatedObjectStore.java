package io.ingraft.it.proof;

import io.ingraft.storage.object.ObjectAlreadyExistsException;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.testing.ForwardingObjectStore;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An object store that can freeze the thread making one chosen write, the way a long GC pause, a
 * stalled disk or a slow S3 request freezes a writer in the middle of the commit protocol: {@link
 * #arm} picks the next {@code putIfAbsent} whose key matches; that call blocks (ignoring
 * interrupts, as a thread stuck in I/O does) until {@link #release}, then goes ahead. Everything
 * else passes straight through.
 */
final class GatedObjectStore extends ForwardingObjectStore {
  private volatile Predicate<String> armed;
  private final CountDownLatch reached = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);
  private final CountDownLatch passed = new CountDownLatch(1);
  private volatile Thread frozen;
  private volatile String frozenKey;

  GatedObjectStore(ObjectStore delegate) {
    super(delegate);
  }

  /** The next putIfAbsent of a key matching {@code keys} blocks until {@link #release}. */
  void arm(Predicate<String> keys) {
    armed = keys;
  }

  /** Waits until a write is frozen; false on timeout. */
  boolean awaitFrozen(Duration timeout) throws InterruptedException {
    return reached.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The thread frozen in the write (null before). */
  Thread frozenThread() {
    return frozen;
  }

  String frozenKey() {
    return frozenKey;
  }

  /** Lets the frozen write go ahead and waits until it returned (or threw); false on timeout. */
  boolean release(Duration timeout) throws InterruptedException {
    released.countDown();
    return passed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void putIfAbsent(String key, byte[] data) throws ObjectAlreadyExistsException {
    Predicate<String> gate = armed;
    if (gate != null && gate.test(key)) {
      synchronized (this) {
        if (armed == gate) {
          armed = null;
          frozen = Thread.currentThread();
          frozenKey = key;
        } else {
          gate = null;
        }
      }
      if (gate != null) {
        reached.countDown();
        // Deaf to interrupts, like a thread stuck in I/O or a paused process: an interrupt
        // (the writer's shutdown) is swallowed, so the thread goes on as a zombie would.
        while (true) {
          try {
            released.await();
            break;
          } catch (InterruptedException e) {
            // Swallowed on purpose.
          }
        }
        try {
          delegate.putIfAbsent(key, data);
        } finally {
          passed.countDown();
        }
        return;
      }
    }
    delegate.putIfAbsent(key, data);
  }

  @Override
  public String describe() {
    return "gated " + delegate.describe();
  }
}
