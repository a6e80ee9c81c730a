package io.github.digitbridge.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.digitbridge.image.DigitImage.Box;
import io.github.digitbridge.image.DigitImage.Polarity;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** DigitImage's value semantics: equality over every field and pixel, copies, batch layout. */
class DigitImageTest {
  private static final ImageHeader HEADER = new ImageHeader(ImageFormat.PNG, 40, 30);

  private static DigitImage image(byte[] pixels) {
    return new DigitImage(
        pixels,
        Preprocessor.Mode.MNIST,
        HEADER,
        Polarity.DARK_ON_LIGHT,
        12,
        200,
        new Box(1, 2, 3, 4),
        20,
        15,
        4,
        6);
  }

  private static byte[] pixels() {
    byte[] pixels = new byte[784];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) (i * 7);
    }
    return pixels;
  }

  @Test
  void equalOnlyWhenEveryFieldAndPixelIs() {
    DigitImage a = image(pixels());
    assertEquals(a, image(pixels()));
    assertEquals(a.hashCode(), image(pixels()).hashCode());
    byte[] other = pixels();
    other[783] ^= 1;
    assertNotEquals(a, image(other));
    assertNotEquals(a, null);
    assertNotEquals(a, (Object) "a string");
    List<UnaryOperator<DigitImage>> changes =
        List.of(
            d ->
                new DigitImage(
                    d.pixels(),
                    Preprocessor.Mode.RAW,
                    d.header(),
                    d.polarity(),
                    d.background(),
                    d.inkMax(),
                    d.box(),
                    d.scaledWidth(),
                    d.scaledHeight(),
                    d.offsetX(),
                    d.offsetY()),
            d ->
                new DigitImage(
                    d.pixels(),
                    d.mode(),
                    new ImageHeader(ImageFormat.PNG, 40, 31),
                    d.polarity(),
                    d.background(),
                    d.inkMax(),
                    d.box(),
                    d.scaledWidth(),
                    d.scaledHeight(),
                    d.offsetX(),
                    d.offsetY()),
            d ->
                new DigitImage(
                    d.pixels(),
                    d.mode(),
                    d.header(),
                    Polarity.LIGHT_ON_DARK,
                    d.background(),
                    d.inkMax(),
                    d.box(),
                    d.scaledWidth(),
                    d.scaledHeight(),
                    d.offsetX(),
                    d.offsetY()),
            d ->
                new DigitImage(
                    d.pixels(),
                    d.mode(),
                    d.header(),
                    d.polarity(),
                    13,
                    d.inkMax(),
                    d.box(),
                    d.scaledWidth(),
                    d.scaledHeight(),
                    d.offsetX(),
                    d.offsetY()),
            d ->
                new DigitImage(
                    d.pixels(),
                    d.mode(),
                    d.header(),
                    d.polarity(),
                    d.background(),
                    201,
                    d.box(),
                    d.scaledWidth(),
                    d.scaledHeight(),
                    d.offsetX(),
                    d.offsetY()),
            d ->
                new DigitImage(
                    d.pixels(),
                    d.mode(),
                    d.header(),
                    d.polarity(),
                    d.background(),
                    d.inkMax(),
                    new Box(1, 2, 3, 5),
                    d.scaledWidth(),
                    d.scaledHeight(),
                    d.offsetX(),
                    d.offsetY()),
            d ->
                new DigitImage(
                    d.pixels(),
                    d.mode(),
                    d.header(),
                    d.polarity(),
                    d.background(),
                    d.inkMax(),
                    d.box(),
                    19,
                    d.scaledHeight(),
                    d.offsetX(),
                    d.offsetY()),
            d ->
                new DigitImage(
                    d.pixels(),
                    d.mode(),
                    d.header(),
                    d.polarity(),
                    d.background(),
                    d.inkMax(),
                    d.box(),
                    d.scaledWidth(),
                    16,
                    d.offsetX(),
                    d.offsetY()),
            d ->
                new DigitImage(
                    d.pixels(),
                    d.mode(),
                    d.header(),
                    d.polarity(),
                    d.background(),
                    d.inkMax(),
                    d.box(),
                    d.scaledWidth(),
                    d.scaledHeight(),
                    5,
                    d.offsetY()),
            d ->
                new DigitImage(
                    d.pixels(),
                    d.mode(),
                    d.header(),
                    d.polarity(),
                    d.background(),
                    d.inkMax(),
                    d.box(),
                    d.scaledWidth(),
                    d.scaledHeight(),
                    d.offsetX(),
                    7));
    for (UnaryOperator<DigitImage> change : changes) {
      DigitImage changed = change.apply(a);
      assertNotEquals(a, changed, changed.toString());
      assertNotEquals(changed, a, changed.toString());
    }
  }

  @Test
  void pixelsAreCopiedEachWayAndReadUnsigned() {
    byte[] source = pixels();
    DigitImage a = image(source);
    source[0] = 99;
    a.pixels()[1] = 99;
    assertEquals(0, a.pixel(0, 0));
    assertEquals(7, a.pixel(0, 1));
    assertEquals((28 * 3 + 5) * 7 & 0xff, a.pixel(3, 5));
    assertEquals(7 * 783 & 0xff, a.pixel(27, 27));
  }

  @Test
  void theConstructorWantsExactly784Pixels() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> image(new byte[783]));
    assertEquals("expected 784 pixels, found 783", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> image(new byte[785]));
  }

  @Test
  void aBatchIsTheImagesOneAfterAnother() {
    DigitImage a = image(pixels());
    byte[] zeros = new byte[784];
    zeros[5] = 1;
    ByteBuffer batch = DigitImage.batch(List.of(a, image(zeros), a));
    assertEquals(0, batch.position());
    assertEquals(3 * 784, batch.limit());
    assertEquals(7, batch.get(1));
    assertEquals(1, batch.get(784 + 5));
    assertEquals(7, batch.get(2 * 784 + 1));
    ByteBuffer one = a.buffer();
    assertEquals(784, one.remaining());
    assertEquals((byte) (7 * 783), one.get(783));
  }

  @Test
  void describesItself() {
    assertEquals(
        "DigitImage[mnist PNG 40x30, dark-on-light, background 12, ink max 200, box 1,2 3x4, scaled"
            + " 20x15 at 4,6]",
        image(pixels()).toString());
  }
}
