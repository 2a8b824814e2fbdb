"""`python -m vpcprobe_collector` runs the `vpcprobe` command."""

import sys

from vpcprobe_collector.cli import main

sys.exit(main())
