package io.github.digitbridge.idx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.digitbridge.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The real MNIST files, checked against the canonical MD5s of their uncompressed form. Absent files
 * fail the test rather than skip it: a green run must mean the reader handled the real data.
 */
class RealMnistTest {
  private static final String DIR_PROPERTY = "digitbridge.mnist.dir";
  private static final List<String> FILES =
      List.of(
          "train-images-idx3-ubyte.gz",
          "train-labels-idx1-ubyte.gz",
          "t10k-images-idx3-ubyte.gz",
          "t10k-labels-idx1-ubyte.gz");

  /** Loads one split and checks its count and both canonical MD5s. */
  private static MnistDataset loadAndCheck(
      String prefix, int count, String imagesMd5, String labelsMd5) throws Exception {
    Path dir = Fixtures.pathProperty(DIR_PROPERTY);
    List<String> missing =
        FILES.stream().filter(f -> !Files.isRegularFile(dir.resolve(f))).toList();
    if (!missing.isEmpty()) {
      fail(
          "MNIST files missing from "
              + dir
              + ": "
              + missing
              + ". Run `python -m pybridge.data"
              + " fetch` to get them (or set DIGITBRIDGE_MNIST_DIR to a directory that has them).");
    }
    MnistDataset dataset =
        MnistDataset.load(
            dir.resolve(prefix + "-images-idx3-ubyte.gz"),
            dir.resolve(prefix + "-labels-idx1-ubyte.gz"));
    assertEquals(count, dataset.count());
    assertEquals(imagesMd5, md5OfReconstitutedFile(dataset.imageArray()), prefix + " images");
    assertEquals(labelsMd5, md5OfReconstitutedFile(dataset.labelArray()), prefix + " labels");
    return dataset;
  }

  /** MD5 of the uncompressed IDX file, rebuilt from what the reader decoded. */
  private static String md5OfReconstitutedFile(IdxArray array) throws Exception {
    MessageDigest md5 = MessageDigest.getInstance("MD5");
    md5.update(IdxTestWriter.header(array.type(), array.shape()));
    md5.update(array.data()); // ubyte: native order and file order are the same bytes
    return HexFormat.of().formatHex(md5.digest());
  }

  @Test
  void trainingSetMatchesCanonicalChecksums() throws Exception {
    loadAndCheck(
        "train", 60_000, "6bbc9ace898e44ae57da46a324031adb", "a25bea736e30d166cdddb491f175f624");
  }

  @Test
  void testSetMatchesCanonicalChecksumsAndFirstLabels() throws Exception {
    MnistDataset test =
        loadAndCheck(
            "t10k", 10_000, "2646ac647ad5339dbf082846283269ea", "27ae3e4e09519cfbb04c329615203637");
    int[] first = new int[5];
    for (int i = 0; i < first.length; i++) {
      first[i] = test.label(i);
    }
    assertArrayEquals(new int[] {7, 2, 1, 0, 4}, first);
  }
}
