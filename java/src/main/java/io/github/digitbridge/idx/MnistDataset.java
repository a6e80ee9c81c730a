package io.github.digitbridge.idx;

import io.github.digitbridge.idx.IdxException.Reason;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * An MNIST-style dataset: an image file of ubyte {@code [N, 28, 28]} and a label file of ubyte
 * {@code [N]} with labels in {@code 0..9}, checked together as docs/idx-format.md prescribes.
 *
 * <p>Both files keep their direct buffers, so a batch of images can go to native code as is.
 */
public final class MnistDataset {
  /** Image height in pixels. */
  public static final int ROWS = 28;

  /** Image width in pixels. */
  public static final int COLUMNS = 28;

  /** Number of classes; labels run from 0 to {@code CLASSES - 1}. */
  public static final int CLASSES = 10;

  private final IdxArray images;
  private final IdxArray labels;
  private final int[] classCounts;

  private MnistDataset(IdxArray images, IdxArray labels, int[] classCounts) {
    this.images = images;
    this.labels = labels;
    this.classCounts = classCounts;
  }

  /**
   * Reads both files and checks them: first each file on its own, then WRONG_SHAPE, COUNT_MISMATCH
   * and LABEL_RANGE.
   *
   * @param imagesFile the image file, plain or gzip
   * @param labelsFile the label file, plain or gzip
   * @return the dataset
   * @throws IdxException with the reason code of the first check that fails, naming the file at
   *     fault (the label file for COUNT_MISMATCH)
   */
  public static MnistDataset load(Path imagesFile, Path labelsFile) throws IdxException {
    IdxArray images = IdxReader.read(imagesFile);
    IdxArray labels = IdxReader.read(labelsFile);
    int[] imageShape = images.shape();
    if (images.type() != IdxType.UBYTE
        || imageShape.length != 3
        || imageShape[1] != ROWS
        || imageShape[2] != COLUMNS) {
      throw new IdxException(
          Reason.WRONG_SHAPE,
          imagesFile,
          "expected images of ubyte [N, "
              + ROWS
              + ", "
              + COLUMNS
              + "], found "
              + images.type().typeName()
              + " "
              + Arrays.toString(imageShape));
    }
    if (labels.type() != IdxType.UBYTE || labels.shape().length != 1) {
      throw new IdxException(
          Reason.WRONG_SHAPE,
          labelsFile,
          "expected labels of ubyte [N], found "
              + labels.type().typeName()
              + " "
              + Arrays.toString(labels.shape()));
    }
    if (labels.count() != images.count()) {
      throw new IdxException(
          Reason.COUNT_MISMATCH,
          labelsFile,
          "expected "
              + images.count()
              + " labels, one per image in "
              + imagesFile
              + ", found "
              + labels.count());
    }
    return new MnistDataset(images, labels, countClasses(labelsFile, labels));
  }

  private static int[] countClasses(Path labelsFile, IdxArray labels) throws IdxException {
    int[] counts = new int[CLASSES];
    ByteBuffer data = labels.data();
    for (int i = 0; i < data.limit(); i++) {
      int label = data.get(i) & 0xff;
      if (label >= CLASSES) {
        throw new IdxException(
            Reason.LABEL_RANGE,
            labelsFile,
            "expected labels in 0.." + (CLASSES - 1) + ", found " + label + " at index " + i);
      }
      counts[label]++;
    }
    return counts;
  }

  /** Number of images, which is also the number of labels. */
  public int count() {
    return images.count();
  }

  /**
   * A read-only view of the pixels: direct, {@code count() * 28 * 28} unsigned bytes, image after
   * image, row-major.
   */
  public ByteBuffer images() {
    return images.data();
  }

  /** A read-only view of the labels: direct, {@code count()} unsigned bytes in {@code 0..9}. */
  public ByteBuffer labels() {
    return labels.data();
  }

  /**
   * The label of one image.
   *
   * @param index 0 to {@code count() - 1}
   * @return the label, 0 to 9
   */
  public int label(int index) {
    return labels.data().get(index);
  }

  /** How many images each class has, indexed by label. */
  public int[] classCounts() {
    return classCounts.clone();
  }

  /** The image file as read, with its header and checksum. */
  public IdxArray imageArray() {
    return images;
  }

  /** The label file as read, with its header and checksum. */
  public IdxArray labelArray() {
    return labels;
  }
}
