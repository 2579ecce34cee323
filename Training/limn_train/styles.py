"""The paintings `limn stylize` ships, in the order of the style network's rows: each
one's preset name, file (under datasets/styles, or Training/styles for those this
repository carries), and what `limn presets` shows of it. Every work here is in the
public domain (its artist died more than 90 years ago and it was published before
1929); the files' sources are in SOURCES and ../shared/datasets/README.md."""
import os

from limn_train.paths import DATASETS

# Paintings this repository carries itself (Training/styles/README.md).
OWN_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "styles")

STYLES = [
    # name, file, title, artist, date
    ("starry-night", "starry_night.jpg", "The Starry Night", "Vincent van Gogh", "1889"),
    ("great-wave", "wave.jpg", "The Great Wave off Kanagawa", "Katsushika Hokusai", "c. 1831"),
    ("the-scream", "the_scream.jpg", "The Scream", "Edvard Munch", "1893"),
    ("composition-vii", "composition_vii.jpg", "Composition VII", "Wassily Kandinsky", "1913"),
    ("udnie", "udnie.jpg", "Udnie", "Francis Picabia", "1913"),
    ("shipwreck", "shipwreck.jpg", "The Shipwreck", "J. M. W. Turner", "1805"),
    ("woman-with-hat", "woman-with-hat-matisse.jpg", "Woman with a Hat", "Henri Matisse", "1905"),
    ("water-lilies", "monet_water_lilies_1919.jpg", "Water Lilies", "Claude Monet", "1919"),
    ("flowers-of-the-four-seasons", "sakai_hoitsu_flowers.jpg", "Flowers of the Four Seasons (screen)",
     "Sakai Hoitsu", "Edo period, early 19th century"),
    ("mauclair", "vallotton_camille_mauclair.jpg", "Camille Mauclair (woodcut)", "Felix Vallotton", "1890s"),
    ("composition-xiii", "van_doesburg_composition_xiii.jpg", "Composition XIII (Woman in Studio)",
     "Theo van Doesburg", "1918"),
    ("cafe-terrace", "cafe_terrace.webp", "Cafe Terrace at Night", "Vincent van Gogh", "1888"),
]

SOURCES = {
    "monet_water_lilies_1919.jpg": "titu1994/Neural-Style-Transfer images/inputs/style",
    "sakai_hoitsu_flowers.jpg": "titu1994/Neural-Style-Transfer images/inputs/style",
    "vallotton_camille_mauclair.jpg": "magenta/magenta arbitrary_image_stylization style_images (Wikimedia Commons)",
    "van_doesburg_composition_xiii.jpg": "magenta/magenta arbitrary_image_stylization style_images (Wikimedia Commons)",
    "cafe_terrace.webp": "Debian package gcompris-qt-data 3.1-2, rcc/details.rcc (a background of the 'details' activity)",
}
DEFAULT_SOURCE = "jcjohnson/neural-style and fast-neural-style example images"
LICENCE = "public domain"


def path(file):
    """Where a style's painting is: Training/styles if this repository carries it, else datasets/styles."""
    own = os.path.join(OWN_FOLDER, file)
    return own if os.path.exists(own) else os.path.join(DATASETS, "styles", file)


def describe(name):
    """Title, artist, date, source and licence of a style, as metadata."""
    _, file, title, artist, date = next(s for s in STYLES if s[0] == name)
    return {"title": title, "artist": artist, "date": date, "source": SOURCES.get(file, DEFAULT_SOURCE),
            "licence": LICENCE}
