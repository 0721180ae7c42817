"""`python -m keras_gan`: the `keras-gan` command line."""

import sys

from keras_gan.cli import main

if __name__ == "__main__":
    sys.exit(main())
