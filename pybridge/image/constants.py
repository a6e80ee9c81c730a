"""The constants of docs/preprocessing.md ("Constants"); the Java twin keeps them on ``Preprocessor``.

A module of their own because every step reads some of them: the container walks the pixel limit, the decoder
and the area filter the block size, the preprocessor the rest.
"""

SIZE = 28  # output side
BOX = 20  # the longer side of the digit after scaling
CENTRE = 14  # where the centre of mass goes (pixel index, both axes), as in MNIST
MAX_PIXELS = 1 << 24  # width x height above this is refused before decoding (16,777,216: 4096 x 4096)
MAX_FILE_BYTES = 1 << 28  # 256 MiB: files larger than this are refused before they are read
MAX_INK_RUNS = 1 << 16  # ink runs (row stretches of ink) above this are refused before components are formed
INK_THRESHOLD = 128  # a pixel is ink when its stretched value is at least this
MIN_CONTRAST = 32  # brightest minus background below this: no digit found
SPECK_RATIO = 25  # a component with area * SPECK_RATIO < the largest component's area is a speck
SEGMENT_INK_THRESHOLD = 64  # segmentation: a pixel is ink for finding the digits of a line when at least this
MARK_HEIGHT_RATIO = 2  # segmentation: a group with height * 2 < the tallest group's height is a mark, not a digit

# Not part of the specification (the results do not depend on it): the most pixels one wide-integer numpy copy
# of an image holds, so that a 16-megapixel image is worked through in blocks.
BLOCK_PIXELS = 1 << 20
