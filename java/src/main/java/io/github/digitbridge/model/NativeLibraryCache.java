package io.github.digitbridge.model;

import ai.onnxruntime.OrtEnvironment;
import io.github.digitbridge.StartupTrace;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.CRC32;

/**
 * ONNX Runtime's native libraries, extracted from its jar once into a cache folder and verified
 * against the jar every time they are used.
 *
 * <p>Left to itself, ONNX Runtime's Java API unzips its 24 MB native library into a new temporary
 * folder on every start, which took about 145 ms of a 0.6 s {@code predict}. Before ONNX Runtime
 * loads, {@link #install()} points its {@value #NATIVE_PATH} property at {@code
 * <cache>/onnxruntime/<platform>-<content key>/}, whose key is made from the jar entries' sizes and
 * CRCs, so another ONNX Runtime jar gets another folder. Each file there is written to a temporary
 * file and renamed into place, so a process never sees a partial file, and two processes extracting
 * at once each rename a complete copy; a {@value #SUMS} file records their SHA-256 ({@code
 * sha256sum -c} checks them by hand). Before each use every copy's size and CRC-32 are checked
 * against the jar entry's own; a copy that differs is extracted again before anything loads it.
 * When the cache cannot be used (no writable folder, libraries not in a jar), ONNX Runtime extracts
 * as it always did.
 */
final class NativeLibraryCache {
  /** ONNX Runtime's property: the folder it loads its libraries from instead of extracting. */
  static final String NATIVE_PATH = "onnxruntime.native.path";

  /** Our property: the cache's root folder (default {@code $XDG_CACHE_HOME/digitbridge}). */
  static final String CACHE_PROPERTY = "digitbridge.cache";

  static final String SUMS = "SHA256SUMS";

  /**
   * The libraries ONNX Runtime's loader loads from {@value #NATIVE_PATH}, by the names its {@code
   * OnnxRuntime} class gives them (1.28): the runtime, its JNI binding and the execution providers'
   * shared libraries. Only these are looked up in the jar, each by name: listing every entry of an
   * application's fat jar to find them (1,644 in our CLI's) took ~15 ms of every start.
   */
  static final List<String> LIBRARIES =
      List.of(
          "onnxruntime",
          "onnxruntime4j_jni",
          "onnxruntime_providers_shared",
          "onnxruntime_providers_cuda",
          "onnxruntime_providers_rocm",
          "onnxruntime_providers_dnnl",
          "onnxruntime_providers_openvino",
          "onnxruntime_providers_tensorrt",
          "onnxruntime_providers_qnn");

  private static final String NATIVE_PREFIX = "ai/onnxruntime/native/";
  private static final int COPY_BUFFER = 1 << 16;
  private static FutureTask<Optional<Path>> pending; // guarded by the class
  private static boolean installed; // guarded by the class

  private NativeLibraryCache() {}

  /**
   * Starts finding (and if need be extracting) the verified folder on a background thread, so that
   * hashing the libraries overlaps whatever the caller does before ONNX Runtime is needed. {@link
   * #install()} waits for it.
   */
  static synchronized void start() {
    if (pending == null) {
      pending = new FutureTask<>(NativeLibraryCache::prepare);
      Thread thread = new Thread(pending, "digitbridge-native-cache");
      thread.setDaemon(true);
      thread.start();
    }
  }

  /**
   * Points ONNX Runtime at the verified cache folder, once per process, unless {@value
   * #NATIVE_PATH} is already set. Never fails: on any problem ONNX Runtime's own extraction runs.
   */
  static synchronized void install() {
    if (installed) {
      return;
    }
    installed = true;
    start();
    Optional<Path> folder;
    try {
      folder = pending.get();
    } catch (ExecutionException e) {
      return; // the cache is an optimisation: ONNX Runtime extracts to a temporary folder as before
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (folder.isPresent() && System.getProperty(NATIVE_PATH) == null) {
      System.setProperty(NATIVE_PATH, folder.get().toString());
    }
  }

  /** The verified folder, or empty where the cache does not apply or cannot be used. */
  private static Optional<Path> prepare() {
    if (System.getProperty(NATIVE_PATH) != null) {
      return Optional.empty(); // the application chose its own libraries
    }
    try {
      String platform = platform();
      String library = System.mapLibraryName("onnxruntime");
      URL url = OrtEnvironment.class.getResource("/" + NATIVE_PREFIX + platform + "/" + library);
      if (url == null) {
        return Optional.empty();
      }
      URLConnection connection = url.openConnection();
      if (!(connection instanceof JarURLConnection jar)) {
        return Optional.empty(); // not packaged in a jar: nothing is extracted anyway
      }
      Path folder = ensure(cacheRoot().resolve("onnxruntime"), jar.getJarFile(), platform);
      StartupTrace.mark("library-verified");
      return Optional.of(folder);
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // ONNX Runtime extracts to a temporary folder as before
    }
  }

  /**
   * The cache folder holding verified copies of the jar's {@link #LIBRARIES} for {@code platform}
   * (in {@code ai/onnxruntime/native/<platform>/}), extracting any that are missing or whose size
   * or CRC-32 is not the jar entry's, and recording their SHA-256 in {@value #SUMS}.
   *
   * @throws IOException if the folder cannot be made or written, or a copy fails its checks
   */
  static Path ensure(Path root, JarFile jar, String platform) throws IOException {
    String prefix = NATIVE_PREFIX + platform + "/";
    List<JarEntry> entries = new ArrayList<>();
    for (String library : LIBRARIES) {
      JarEntry entry = jar.getJarEntry(prefix + System.mapLibraryName(library));
      if (entry != null && !entry.isDirectory() && entry.getSize() >= 0 && entry.getCrc() >= 0) {
        entries.add(entry);
      }
    }
    if (entries.isEmpty()) {
      throw new NoSuchFileException(jar.getName() + "!/" + prefix);
    }
    entries.sort((a, b) -> a.getName().compareTo(b.getName()));
    Path folder = root.resolve(platform + "-" + key(entries, prefix));
    Files.createDirectories(folder);
    Map<String, String> sums = readSums(folder.resolve(SUMS));
    Map<String, String> verified = new TreeMap<>();
    for (JarEntry entry : entries) {
      String name = entry.getName().substring(prefix.length());
      Path file = folder.resolve(name);
      if (intact(file, entry)) {
        String recorded = sums.get(name);
        verified.put(name, recorded != null ? recorded : sha256(file));
      } else {
        verified.put(name, extract(jar, entry, file));
      }
    }
    if (!verified.equals(sums)) {
      StringBuilder text = new StringBuilder();
      verified.forEach((name, hash) -> text.append(hash).append("  ").append(name).append('\n'));
      replace(folder.resolve(SUMS), text.toString().getBytes(StandardCharsets.UTF_8));
    }
    return folder;
  }

  /** The folder's name after the platform: the entries' names, sizes and CRCs, hashed. */
  private static String key(List<JarEntry> entries, String prefix) {
    CRC32 crc = new CRC32();
    for (JarEntry entry : entries) {
      String line =
          entry.getName().substring(prefix.length())
              + ":"
              + entry.getSize()
              + ":"
              + entry.getCrc()
              + "\n";
      crc.update(line.getBytes(StandardCharsets.UTF_8));
    }
    return HexFormat.of().toHexDigits((int) crc.getValue()); // no Formatter on the start-up path
  }

  /** Copies the entry to a temporary file, checks it, renames it over {@code file}; its SHA-256. */
  private static String extract(JarFile jar, JarEntry entry, Path file) throws IOException {
    Path temp = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".part");
    try {
      MessageDigest sha = sha256Digest();
      CRC32 crc = new CRC32();
      long size = 0;
      try (InputStream in = jar.getInputStream(entry);
          OutputStream out = Files.newOutputStream(temp)) {
        byte[] buffer = new byte[COPY_BUFFER];
        for (int n; (n = in.read(buffer)) > 0; ) {
          out.write(buffer, 0, n);
          sha.update(buffer, 0, n);
          crc.update(buffer, 0, n);
          size += n;
        }
      }
      if (size != entry.getSize() || crc.getValue() != entry.getCrc()) {
        throw new IOException(
            entry.getName()
                + ": expected "
                + entry.getSize()
                + " bytes with CRC "
                + Long.toHexString(entry.getCrc())
                + ", found "
                + size
                + " with "
                + Long.toHexString(crc.getValue()));
      }
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        channel.force(true); // on disk before the rename makes it visible
      }
      move(temp, file);
      return HexFormat.of().formatHex(sha.digest());
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void replace(Path file, byte[] content) throws IOException {
    Path temp = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".part");
    try {
      Files.write(temp, content);
      move(temp, file);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException(to + ": expected a folder that renames atomically, found none", e);
    }
  }

  /** The recorded hashes by file name; an unreadable or malformed file records none. */
  private static Map<String, String> readSums(Path sums) {
    Map<String, String> out = new HashMap<>();
    try {
      for (String line : Files.readAllLines(sums, StandardCharsets.UTF_8)) {
        int gap = line.indexOf("  ");
        if (gap == 64) {
          out.put(line.substring(gap + 2), line.substring(0, gap));
        }
      }
    } catch (IOException | UncheckedIOException e) {
      return Map.of();
    }
    return out;
  }

  /**
   * Whether the copy has the size and CRC-32 that the jar's own directory records for the entry.
   * The reference comes from the jar, not from the cache, and CRC-32 runs at memory speed from the
   * first call (SHA-256 in a JVM that has not yet compiled its digest took ~100 ms of CPU for the
   * 24 MB library, more than the rest of a {@code predict}).
   */
  private static boolean intact(Path file, JarEntry entry) {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      if (channel.size() != entry.getSize()) {
        return false;
      }
      CRC32 crc = new CRC32();
      crc.update(channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size()));
      return crc.getValue() == entry.getCrc();
    } catch (IOException | RuntimeException e) {
      return false; // missing, a folder, unreadable: extracted again
    }
  }

  /** SHA-256 of a file, for a hash file that lost its line. */
  private static String sha256(Path file) throws IOException {
    MessageDigest sha = sha256Digest();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buffer = ByteBuffer.allocate(COPY_BUFFER);
      while (channel.read(buffer.clear()) > 0) {
        sha.update(buffer.flip());
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256", e);
    }
  }

  /** ONNX Runtime's name for this platform's folder in its jar, e.g. {@code linux-x64}. */
  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String osName =
        os.contains("mac") || os.contains("darwin")
            ? "osx"
            : os.contains("win") ? "win" : os.contains("nux") ? "linux" : os;
    String archName =
        arch.startsWith("amd64") || arch.startsWith("x86_64")
            ? "x64"
            : arch.startsWith("aarch64") ? "aarch64" : arch;
    return osName + "-" + archName;
  }

  /**
   * {@value #CACHE_PROPERTY}, else {@code $XDG_CACHE_HOME/digitbridge}, else {@code ~/.cache/...}.
   */
  static Path cacheRoot() {
    String given = System.getProperty(CACHE_PROPERTY);
    if (given != null && !given.isEmpty()) {
      return Path.of(given);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base =
        xdg != null && !xdg.isEmpty()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("digitbridge");
  }
}
