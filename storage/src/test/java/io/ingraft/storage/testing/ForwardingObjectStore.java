package io.ingraft.storage.testing;

import io.ingraft.storage.object.ObjectStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real object store with a test's behaviour in front of one or two of its calls: every call goes
 * to the delegate unless a subclass overrides it (to race, stall or fail a write).
 */
public abstract class ForwardingObjectStore implements ObjectStore {
  protected final ObjectStore delegate;

  protected ForwardingObjectStore(ObjectStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public byte[] read(String key) {
    return delegate.read(key);
  }

  @Override
  public Optional<byte[]> readIfExists(String key) {
    return delegate.readIfExists(key);
  }

  @Override
  public java.io.InputStream openRead(String key) {
    return delegate.openRead(key);
  }

  @Override
  public List<String> list(String prefix, String startAfter) {
    return delegate.list(prefix, startAfter);
  }

  @Override
  public Optional<io.ingraft.storage.object.ObjectInfo> stat(String key) {
    return delegate.stat(key);
  }

  @Override
  public List<String> childFolders(String prefix) {
    return delegate.childFolders(prefix);
  }

  @Override
  public void put(String key, byte[] data) {
    delegate.put(key, data);
  }

  @Override
  public void putIfAbsent(String key, byte[] data) {
    delegate.putIfAbsent(key, data);
  }

  @Override
  public void delete(String key) {
    delegate.delete(key);
  }

  @Override
  public String lanceUri(String key) {
    return delegate.lanceUri(key);
  }

  @Override
  public Map<String, String> lanceStorageOptions() {
    return delegate.lanceStorageOptions();
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
