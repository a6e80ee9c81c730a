package io.github.digitbridge.idx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.digitbridge.idx.IdxException.Reason;
import io.github.digitbridge.testing.Fixtures;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class MnistDatasetTest {
  @Test
  void validPairExposesImagesLabelsAndClassCounts() throws IdxException {
    MnistDataset dataset =
        MnistDataset.load(Fixtures.file("ds_images.idx"), Fixtures.file("ds_labels.idx"));
    assertEquals(4, dataset.count());
    ByteBuffer images = dataset.images();
    assertTrue(images.isDirect());
    assertTrue(images.isReadOnly());
    assertEquals(4 * 28 * 28, images.limit());
    assertEquals(4, dataset.labels().limit());
    assertArrayEquals(
        new int[] {7, 2, 1, 0},
        new int[] {dataset.label(0), dataset.label(1), dataset.label(2), dataset.label(3)});
    assertArrayEquals(new int[] {1, 1, 1, 0, 0, 0, 0, 1, 0, 0}, dataset.classCounts());
  }

  @Test
  void labelRangeNamesFirstBadIndexAndValue() {
    IdxException e =
        assertThrows(
            IdxException.class,
            () ->
                MnistDataset.load(
                    Fixtures.file("ds_images.idx"), Fixtures.file("ds_labels_ten.idx")));
    assertEquals(Reason.LABEL_RANGE, e.reason());
    assertEquals(Fixtures.file("ds_labels_ten.idx"), e.file());
    assertTrue(e.detail().contains("found 10 at index 2"), e.getMessage());
  }

  @Test
  void countMismatchNamesBothCounts() {
    IdxException e =
        assertThrows(
            IdxException.class,
            () ->
                MnistDataset.load(
                    Fixtures.file("ds_images.idx"), Fixtures.file("ds_labels_three.idx")));
    assertEquals(Reason.COUNT_MISMATCH, e.reason());
    assertTrue(e.detail().startsWith("expected 4 labels"), e.getMessage());
    assertTrue(e.detail().endsWith("found 3"), e.getMessage());
  }

  @Test
  void wrongShapeBlamesTheFileWithTheWrongShape() {
    IdxException e =
        assertThrows(
            IdxException.class,
            () ->
                MnistDataset.load(
                    Fixtures.file("ds_images_flat.idx"), Fixtures.file("ds_labels.idx")));
    assertEquals(Reason.WRONG_SHAPE, e.reason());
    assertEquals(Fixtures.file("ds_images_flat.idx"), e.file());
    assertTrue(e.detail().endsWith("found ubyte [4, 784]"), e.getMessage());
  }
}
