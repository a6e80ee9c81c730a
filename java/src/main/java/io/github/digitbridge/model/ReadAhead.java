package io.github.digitbridge.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * One model file read and its contract parsed ahead of the open that needs them ({@link
 * DigitClassifier#readAhead}), on a background thread.
 *
 * <p>A command line knows its model path as soon as it starts, but it knows the rest (batch,
 * threads, provider) only after parsing itself, which took about as long as reading a 3.5 MB model
 * and parsing its contract: done one after the other they were on the start-up's critical path. The
 * open takes what was read only for the same path and only if the file still has the size,
 * modification time and identity it had before it was read; otherwise, and whenever the read-ahead
 * failed, the open reads the file itself, so its errors are the ones an open always reports. A
 * read-ahead is used once.
 */
final class ReadAhead {
  /** What the open needs from the file before ONNX Runtime sees it. */
  record Prepared(ModelFile file, ModelContract contract) {}

  private record Pending(Path path, FutureTask<Stamped> task) {}

  private record Stamped(Prepared prepared, List<Object> stamp) {}

  private static Pending pending; // guarded by the class

  private ReadAhead() {}

  /** Starts reading {@code model}; a read-ahead that no open took is dropped. */
  static void start(Path model) {
    FutureTask<Stamped> task = new FutureTask<>(() -> prepare(model));
    synchronized (ReadAhead.class) {
      pending = new Pending(model, task);
    }
    Thread thread = new Thread(task, "digitbridge-read-ahead");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * What a read-ahead of this very path prepared, waiting for it if it is still reading; empty when
   * there is none, it failed, or the file changed since.
   */
  static Optional<Prepared> take(Path model) {
    Pending taken;
    synchronized (ReadAhead.class) {
      if (pending == null || !pending.path().equals(model)) {
        return Optional.empty();
      }
      taken = pending;
      pending = null;
    }
    Stamped stamped;
    try {
      stamped = taken.task().get();
    } catch (ExecutionException e) {
      return Optional.empty(); // the open meets the same problem and reports it
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
    return stamped.stamp().equals(stamp(model))
        ? Optional.of(stamped.prepared())
        : Optional.empty();
  }

  /** Whether a read-ahead waits to be taken (for tests). */
  static synchronized boolean isPending() {
    return pending != null;
  }

  /** Waits until the read-ahead waiting to be taken, if any, has finished (for tests). */
  static void awaitPending() throws InterruptedException {
    FutureTask<Stamped> task;
    synchronized (ReadAhead.class) {
      task = pending != null ? pending.task() : null;
    }
    try {
      if (task != null) {
        task.get();
      }
    } catch (ExecutionException e) {
      // finished, failed: what take() will see
    }
  }

  private static Stamped prepare(Path model) throws ModelException {
    List<Object> before = stamp(model); // taken first: a write during the read changes it
    ModelFile file = ModelFile.read(model);
    return new Stamped(new Prepared(file, ModelLoader.readContract(file)), before);
  }

  /** Size, modification time and file identity; an unreadable file stamps as itself. */
  private static List<Object> stamp(Path model) {
    try {
      BasicFileAttributes a = Files.readAttributes(model, BasicFileAttributes.class);
      Object key = a.fileKey();
      return List.of(a.size(), a.lastModifiedTime(), key != null ? key : "no file key");
    } catch (IOException | RuntimeException e) {
      return List.of("unreadable", e.toString());
    }
  }
}
