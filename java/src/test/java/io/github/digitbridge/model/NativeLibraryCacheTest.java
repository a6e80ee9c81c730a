package io.github.digitbridge.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The native library cache: extracted once, verified on use, repaired, safe when raced. */
class NativeLibraryCacheTest {
  private static final String PLATFORM = "linux-x64";
  private static final byte[] LIBRARY = bytes(300_000, 1);
  private static final byte[] JNI = bytes(5_000, 2);

  @TempDir Path tmp;

  private static byte[] bytes(int n, long seed) {
    byte[] out = new byte[n];
    new Random(seed).nextBytes(out);
    return out;
  }

  /** A jar laid out as ONNX Runtime's: two libraries for this platform, one for another. */
  private Path jar(String name, byte[] library) throws Exception {
    Path jar = tmp.resolve(name);
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      put(out, "ai/onnxruntime/native/" + PLATFORM + "/libonnxruntime.so", library);
      put(out, "ai/onnxruntime/native/" + PLATFORM + "/libonnxruntime4j_jni.so", JNI);
      put(out, "ai/onnxruntime/native/linux-aarch64/libonnxruntime.so", JNI);
      put(out, "ai/onnxruntime/OrtEnvironment.class", new byte[10]);
    }
    return jar;
  }

  private static void put(JarOutputStream out, String name, byte[] data) throws Exception {
    out.putNextEntry(new JarEntry(name));
    out.write(data);
    out.closeEntry();
  }

  private Path ensure(Path jarFile, Path root) throws Exception {
    try (JarFile jar = new JarFile(jarFile.toFile())) {
      return NativeLibraryCache.ensure(root, jar, PLATFORM);
    }
  }

  private static List<String> names(Path folder) throws Exception {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void thePlatformsLibrariesAreExtractedOnceWithTheirHashes() throws Exception {
    Path root = tmp.resolve("cache");
    Path folder = ensure(jar("ort.jar", LIBRARY), root);
    assertTrue(folder.getFileName().toString().startsWith(PLATFORM + "-"), folder.toString());
    assertEquals(
        List.of(NativeLibraryCache.SUMS, "libonnxruntime.so", "libonnxruntime4j_jni.so"),
        names(folder));
    assertArrayEquals(LIBRARY, Files.readAllBytes(folder.resolve("libonnxruntime.so")));
    assertArrayEquals(JNI, Files.readAllBytes(folder.resolve("libonnxruntime4j_jni.so")));
    String sums = Files.readString(folder.resolve(NativeLibraryCache.SUMS));
    assertTrue(sums.contains(Pixels.sha256(LIBRARY) + "  libonnxruntime.so\n"), sums);

    long modified = Files.getLastModifiedTime(folder.resolve("libonnxruntime.so")).toMillis();
    Files.setLastModifiedTime(
        folder.resolve("libonnxruntime.so"), FileTime.fromMillis(modified - 60_000));
    assertEquals(folder, ensure(jar("ort.jar", LIBRARY), root));
    assertEquals(
        modified - 60_000,
        Files.getLastModifiedTime(folder.resolve("libonnxruntime.so")).toMillis(),
        "a verified copy is used as it is, not written again");
  }

  @Test
  void anotherJarGetsAnotherFolder() throws Exception {
    Path root = tmp.resolve("cache");
    Path first = ensure(jar("a.jar", LIBRARY), root);
    byte[] other = LIBRARY.clone();
    other[17] ^= 1;
    Path second = ensure(jar("b.jar", other), root);
    assertNotEquals(first, second);
    assertArrayEquals(other, Files.readAllBytes(second.resolve("libonnxruntime.so")));
    assertArrayEquals(LIBRARY, Files.readAllBytes(first.resolve("libonnxruntime.so")));
  }

  @Test
  void aCorruptTruncatedOrMissingCopyIsReplacedBeforeUse() throws Exception {
    Path jar = jar("ort.jar", LIBRARY);
    Path root = tmp.resolve("cache");
    Path library = ensure(jar, root).resolve("libonnxruntime.so");

    byte[] flipped = LIBRARY.clone();
    flipped[123_456] ^= 0x10; // same size, other content
    Files.write(library, flipped);
    ensure(jar, root);
    assertArrayEquals(LIBRARY, Files.readAllBytes(library));

    Files.write(library, new byte[1000]);
    ensure(jar, root);
    assertArrayEquals(LIBRARY, Files.readAllBytes(library));

    Files.delete(library);
    Files.createDirectory(library); // not even a file
    Files.delete(library);
    ensure(jar, root);
    assertArrayEquals(LIBRARY, Files.readAllBytes(library));
  }

  @Test
  void aHashFileThatAgreesWithACorruptCopyDoesNotSaveIt() throws Exception {
    Path jar = jar("ort.jar", LIBRARY);
    Path root = tmp.resolve("cache");
    Path folder = ensure(jar, root);
    byte[] flipped = LIBRARY.clone();
    flipped[5] ^= 1;
    Files.write(folder.resolve("libonnxruntime.so"), flipped);
    // A hash file made to agree with the corrupt copy: the copy is checked against the jar.
    Files.writeString(
        folder.resolve(NativeLibraryCache.SUMS), Pixels.sha256(flipped) + "  libonnxruntime.so\n");
    ensure(jar, root);
    assertArrayEquals(LIBRARY, Files.readAllBytes(folder.resolve("libonnxruntime.so")));
    String sums = Files.readString(folder.resolve(NativeLibraryCache.SUMS), StandardCharsets.UTF_8);
    assertTrue(sums.contains(Pixels.sha256(LIBRARY) + "  libonnxruntime.so\n"), sums);
  }

  @Test
  void aHashFileThatLostItsLinesIsWrittenAgain() throws Exception {
    Path jar = jar("ort.jar", LIBRARY);
    Path root = tmp.resolve("cache");
    Path folder = ensure(jar, root);
    Path sums = folder.resolve(NativeLibraryCache.SUMS);
    Files.writeString(sums, "garbage\n");
    ensure(jar, root);
    assertTrue(
        Files.readString(sums).contains(Pixels.sha256(LIBRARY) + "  libonnxruntime.so\n"),
        Files.readString(sums));
  }

  @Test
  void manyExtractingAtOnceAllGetCompleteVerifiedCopies() throws Exception {
    Path jar = jar("ort.jar", LIBRARY);
    int threads = 6;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 5; round++) {
        Path root = tmp.resolve("race" + round);
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<Path>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          Callable<Path> task =
              () -> {
                start.await(1, TimeUnit.MINUTES);
                Path folder = ensure(jar, root);
                // What this caller would load must be whole when ensure returns.
                assertArrayEquals(LIBRARY, Files.readAllBytes(folder.resolve("libonnxruntime.so")));
                return folder;
              };
          results.add(pool.submit(task));
        }
        Path folder = null;
        for (Future<Path> result : results) {
          Path got = result.get(1, TimeUnit.MINUTES);
          assertTrue(folder == null || folder.equals(got));
          folder = got;
        }
        assertEquals(
            List.of(NativeLibraryCache.SUMS, "libonnxruntime.so", "libonnxruntime4j_jni.so"),
            names(folder),
            "no temporary file is left behind");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theRealRuntimeLoadsFromTheVerifiedCache() throws Exception {
    NativeRuntime.version(); // installs the cache, as opening a model does
    String path = System.getProperty(NativeLibraryCache.NATIVE_PATH);
    assertTrue(path != null, "onnxruntime.native.path is set");
    Path library = Path.of(path).resolve(System.mapLibraryName("onnxruntime"));
    assertTrue(Files.isRegularFile(library), library.toString());
    String sums = Files.readString(Path.of(path).resolve(NativeLibraryCache.SUMS));
    assertTrue(sums.contains(Pixels.sha256(Files.readAllBytes(library))), sums);
  }

  /** The identity of a file: a copy written again (a temporary file renamed) gets a new one. */
  private static Object identity(Path file) throws Exception {
    return Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
  }

  @Test
  void anIntactCacheIsNeitherExtractedNorRecordedAgain() throws Exception {
    Path root = tmp.resolve("cache");
    Path jar = jar("ort.jar", LIBRARY);
    Path folder = ensure(jar, root);
    Object library = identity(folder.resolve("libonnxruntime.so"));
    Object sums = identity(folder.resolve(NativeLibraryCache.SUMS));
    assertEquals(folder, ensure(jar, root));
    assertEquals(library, identity(folder.resolve("libonnxruntime.so")));
    assertEquals(sums, identity(folder.resolve(NativeLibraryCache.SUMS)));
  }

  @Test
  void emptyEntriesAreExtractedAndTheOrderOfTheJarDoesNotMatter() throws Exception {
    String prefix = "ai/onnxruntime/native/" + PLATFORM + "/";
    String shared = "libonnxruntime_providers_shared.so";
    Path forward = tmp.resolve("forward.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(forward))) {
      put(out, prefix + shared, new byte[0]);
      put(out, prefix + "libonnxruntime.so", JNI);
    }
    Path backward = tmp.resolve("backward.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(backward))) {
      put(out, prefix + "libonnxruntime.so", JNI);
      put(out, prefix + shared, new byte[0]);
    }
    Path folder = ensure(forward, tmp.resolve("one"));
    assertEquals(List.of("SHA256SUMS", "libonnxruntime.so", shared), names(folder));
    assertEquals(0, Files.size(folder.resolve(shared)));
    Path other = ensure(backward, tmp.resolve("two"));
    assertEquals(folder.getFileName(), other.getFileName());
  }

  @Test
  void onlyTheLibrariesOnnxRuntimeLoadsAreExtracted() throws Exception {
    String prefix = "ai/onnxruntime/native/" + PLATFORM + "/";
    Path jar = tmp.resolve("extra.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      put(out, prefix + "libonnxruntime.so", LIBRARY);
      put(out, prefix + "libonnxruntime_providers_cuda.so", JNI);
      put(out, prefix + "libonnxruntime.so.dbg", JNI);
      put(out, prefix + "THIRD_PARTY_NOTICES.txt", JNI);
      put(out, prefix + "sub/libonnxruntime4j_jni.so", JNI);
    }
    Path folder = ensure(jar, tmp.resolve("cache"));
    assertEquals(
        List.of("SHA256SUMS", "libonnxruntime.so", "libonnxruntime_providers_cuda.so"),
        names(folder));
  }

  @Test
  void aJarWithoutTheRuntimeLibraryIsRefused() throws Exception {
    Path jar = tmp.resolve("none.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      put(out, "ai/onnxruntime/native/" + PLATFORM + "/README.txt", JNI);
      put(out, "ai/onnxruntime/native/linux-aarch64/libonnxruntime.so", JNI);
    }
    assertThrows(java.nio.file.NoSuchFileException.class, () -> ensure(jar, tmp.resolve("c")));
  }

  @Test
  void platformsAreNamedAsOnnxRuntimesJarNamesThem() {
    String os = System.getProperty("os.name");
    String arch = System.getProperty("os.arch");
    try {
      String[][] cases = {
        {"Mac OS X", "x86_64", "osx-x64"},
        {"Darwin", "aarch64", "osx-aarch64"},
        {"Windows 11", "amd64", "win-x64"},
        {"Linux", "aarch64", "linux-aarch64"},
        {"Linux", "amd64", "linux-x64"},
        {"SunOS", "sparcv9", "sunos-sparcv9"},
      };
      for (String[] c : cases) {
        System.setProperty("os.name", c[0]);
        System.setProperty("os.arch", c[1]);
        assertEquals(c[2], NativeLibraryCache.platform(), c[0] + " " + c[1]);
      }
    } finally {
      System.setProperty("os.name", os);
      System.setProperty("os.arch", arch);
    }
  }

  @Test
  void theCacheRootIsThePropertyWhenGiven() {
    String before = System.getProperty(NativeLibraryCache.CACHE_PROPERTY);
    try {
      System.setProperty(NativeLibraryCache.CACHE_PROPERTY, tmp.toString());
      assertEquals(tmp, NativeLibraryCache.cacheRoot());
      System.setProperty(NativeLibraryCache.CACHE_PROPERTY, "");
      String xdg = System.getenv("XDG_CACHE_HOME");
      Path base =
          xdg != null && !xdg.isEmpty()
              ? Path.of(xdg)
              : Path.of(System.getProperty("user.home"), ".cache");
      assertEquals(base.resolve("digitbridge"), NativeLibraryCache.cacheRoot());
    } finally {
      if (before == null) {
        System.clearProperty(NativeLibraryCache.CACHE_PROPERTY);
      } else {
        System.setProperty(NativeLibraryCache.CACHE_PROPERTY, before);
      }
    }
  }
}
