"""`python -m booking`: see booking.cli."""

from booking.cli import main

raise SystemExit(main())
