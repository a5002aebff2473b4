"""python -m conformance: the same as the oai-conformance command."""

import sys

from conformance.cli import main

sys.exit(main())
