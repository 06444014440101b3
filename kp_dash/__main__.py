import sys

from kp_dash.cli import main

sys.exit(main())
